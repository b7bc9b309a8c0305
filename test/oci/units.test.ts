import { describe, expect, it } from 'vitest';
import {
  MEDIA_TYPE,
  addReferrer,
  digestOf,
  filterReferrers,
  parseDigest,
  redactUrl,
  referrerDescriptor,
  removeReferrer,
  type Descriptor,
  type ImageManifest,
} from '../../lib/oci/index.js';
import {
  isNetworkError,
  isRetryableStatus,
  retryDelay,
  DEFAULT_RETRY_POLICY,
} from '../../lib/oci/transport/retry-policy.js';

const d = (n: string, extra: Partial<Descriptor> = {}): Descriptor => ({
  mediaType: MEDIA_TYPE.imageManifest,
  digest: `sha256:${n.repeat(64)}`,
  size: 1,
  ...extra,
});

describe('referrer index maintenance', () => {
  it('adds once, replaces a changed entry, and removes', () => {
    const first = addReferrer(undefined, d('1', { artifactType: 'a' }))!;
    expect(first).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.imageIndex,
      manifests: [d('1', { artifactType: 'a' })],
    });
    expect(addReferrer(first, d('1', { artifactType: 'a' }))).toBeUndefined();
    const changed = addReferrer(first, d('1', { artifactType: 'a', annotations: { k: 'v' } }))!;
    expect(changed.manifests).toEqual([d('1', { artifactType: 'a', annotations: { k: 'v' } })]);
    const two = addReferrer(changed, d('2'))!;
    expect(two.manifests.map((x) => x.digest[7])).toEqual(['1', '2']);
    // A duplicated entry (written by another tool) is collapsed on the next update.
    const dup = { ...two, manifests: [d('2'), ...two.manifests] };
    expect(addReferrer(dup, d('2'))!.manifests.map((x) => x.digest[7])).toEqual(['1', '2']);
    expect(removeReferrer(two, d('1').digest)!.manifests).toEqual([d('2')]);
    expect(removeReferrer(two, d('9').digest)).toBeUndefined();
  });

  it('describes a referrer with artifactType and annotations', () => {
    const manifest: ImageManifest = {
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.x.config', digest: d('c').digest, size: 2 },
      layers: [],
      annotations: { a: 'b' },
    };
    expect(referrerDescriptor(manifest, d('5'))).toEqual(
      d('5', { artifactType: 'application/vnd.x.config', annotations: { a: 'b' } }),
    );
    expect(referrerDescriptor({ ...manifest, artifactType: 'y' }, d('5')).artifactType).toBe('y');
  });

  it('filters by artifactType and drops duplicate digests', () => {
    const list = [
      d('1', { artifactType: 'a' }),
      d('2', { artifactType: 'b' }),
      d('1', { artifactType: 'a' }),
    ];
    expect(filterReferrers(list).length).toBe(2);
    expect(filterReferrers(list, 'b')).toEqual([d('2', { artifactType: 'b' })]);
  });
});

describe('digests', () => {
  it('parses sha256 and sha512 only, with the right length', () => {
    expect(parseDigest(digestOf(new Uint8Array()))).toEqual({
      algorithm: 'sha256',
      hex: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
    expect(parseDigest(digestOf(new Uint8Array(), 'sha512'))?.algorithm).toBe('sha512');
    expect(parseDigest('sha256:abc')).toBeUndefined();
    expect(parseDigest(`md5:${'a'.repeat(32)}`)).toBeUndefined();
    expect(parseDigest(`sha256:${'A'.repeat(64)}`)).toBeUndefined();
  });
});

describe('retry policy', () => {
  it('retries 429 and 5xx except 501/505', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 412, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it('backs off exponentially, honours Retry-After, and caps the delay', () => {
    const p = DEFAULT_RETRY_POLICY;
    expect([1, 2, 3].map((a) => retryDelay(p, a, null))).toEqual([250, 500, 1000]);
    expect(retryDelay(p, 1, '7')).toBe(7000);
    expect(retryDelay(p, 1, '3600')).toBe(30_000);
    const now = Date.UTC(2030, 0, 1);
    expect(retryDelay(p, 1, new Date(now + 4000).toUTCString(), () => now)).toBe(4000);
    expect(retryDelay(p, 2, 'Wed, 01 Jan 2030 00:00:04 GMT')).toBe(500);
  });

  it('recognises dropped connections', () => {
    expect(
      isNetworkError(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
        }),
      ),
    ).toBe(true);
    expect(isNetworkError(new TypeError('terminated'))).toBe(true);
    expect(isNetworkError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
    expect(isNetworkError(new Error('boom'))).toBe(false);
    expect(isNetworkError(new TypeError('Invalid URL'))).toBe(false);
  });
});

describe('redactUrl', () => {
  it('hides userinfo and secret-looking query values', () => {
    expect(
      redactUrl('https://u:p@s3.example/b/o?X-Amz-Signature=abc&X-Amz-Credential=k&n=1&token=t'),
    ).toBe(
      'https://s3.example/b/o?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&n=1&token=REDACTED',
    );
  });
});
