/** Content digests (`sha256:<hex>`, `sha512:<hex>`): parse, compute, and verify while streaming. */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

export interface ParsedDigest {
  algorithm: 'sha256' | 'sha512';
  hex: string;
}

/** Splits a digest, or returns undefined when it is not a supported, well-formed digest. */
export function parseDigest(digest: string): ParsedDigest | undefined {
  const m = /^(sha256|sha512):([a-f0-9]+)$/.exec(digest);
  if (!m || m[2]!.length !== HEX_LENGTH[m[1]!]) return undefined;
  return { algorithm: m[1] as ParsedDigest['algorithm'], hex: m[2]! };
}

export function isDigest(value: string): boolean {
  return parseDigest(value) !== undefined;
}

/** The digest of some bytes (sha256 unless told otherwise). */
export function digestOf(
  bytes: Uint8Array,
  algorithm: ParsedDigest['algorithm'] = 'sha256',
): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** The sha256 digest and size of a file, read as a stream. */
export async function digestOfFile(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Why content failed a check; the caller turns it into an OciError with its context. */
export class ContentCheckError extends Error {
  constructor(
    readonly kind: 'digest-mismatch' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Counts and hashes bytes as they arrive. Fails as soon as the size passes `maxSize` or
 * the expected size, and at the end when the digest or size differ.
 */
export class ContentVerifier {
  private readonly hash: Hash;
  private readonly expectedHex: string;
  private readonly algorithm: string;
  size = 0;

  constructor(
    readonly expectedDigest: string,
    private readonly limits: { maxSize: number; expectedSize?: number },
  ) {
    const parsed = parseDigest(expectedDigest);
    if (!parsed)
      throw new ContentCheckError('digest-mismatch', `unsupported digest ${expectedDigest}`);
    this.algorithm = parsed.algorithm;
    this.expectedHex = parsed.hex;
    this.hash = createHash(parsed.algorithm);
  }

  update(chunk: Uint8Array): void {
    this.size += chunk.length;
    const limit = Math.min(this.limits.maxSize, this.limits.expectedSize ?? Infinity);
    if (this.size > limit) {
      throw new ContentCheckError('too-large', `content exceeds ${limit} bytes`);
    }
    this.hash.update(chunk);
  }

  /** Throws unless the content seen so far is complete and matches. */
  finish(): void {
    const expected = this.limits.expectedSize;
    if (expected !== undefined && this.size !== expected) {
      throw new ContentCheckError(
        'digest-mismatch',
        `size ${this.size} differs from expected ${expected}`,
      );
    }
    const actual = this.hash.digest('hex');
    if (actual !== this.expectedHex) {
      throw new ContentCheckError(
        'digest-mismatch',
        `content digest ${this.algorithm}:${actual} differs from ${this.expectedDigest}`,
      );
    }
  }
}
