/**
 * `oci-archive:FILE.tar`: an OCI image layout in one tar file (the layout's files at the
 * tar's root, as skopeo's `oci-archive:` reads them), for carrying a mirror over an air
 * gap. A source archive is unpacked into a scratch directory and mirrored from there; a
 * destination archive is unpacked (when it exists), mirrored into, and written back
 * whole, to a temporary file renamed over FILE, so a failed mirror leaves FILE as it was.
 * Entries are written in sorted order with mtime 0 and no owner, so the same layout
 * gives the same bytes. Reading accepts ustar, pax (`path`, `size`) and GNU long names,
 * regular files and directories only, and refuses a path outside the archive.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';

export const ARCHIVE_PREFIX = 'oci-archive:';

const BLOCK = 512;
const CHUNK = 1 << 20;

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, width, 'ascii');
}

/** A size field: octal when it fits, else base-256 (GNU), as readers accept both. */
function sizeField(buf: Buffer, offset: number, size: number): void {
  if (size < 8 ** 11) return octal(buf, offset, 12, size);
  buf[offset] = 0x80;
  let v = BigInt(size);
  for (let i = 11; i > 0; i--) {
    buf[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function header(name: string, type: '0' | '5' | 'x', size: number, prefix = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, type === '5' ? 0o755 : 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  sizeField(h, 124, size);
  octal(h, 136, 12, 0);
  h.fill(' ', 148, 156);
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** ustar name/prefix for `path`, or undefined when it needs a pax header. */
function splitName(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name)
      return { name, prefix };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let n = Buffer.byteLength(body) + 1;
  while (String(n).length + Buffer.byteLength(body) !== n) n++;
  return `${n}${body}`;
}

/** Writes the tree under `dir` as a tar to `file` (via a temporary file, renamed). */
export function writeArchive(dir: string, file: string): void {
  const tmp = `${file}.tufci-${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const put = (b: Buffer): void => {
      for (let off = 0; off < b.length;) off += writeSync(fd, b, off);
    };
    const entry = (path: string, type: '0' | '5', size: number): void => {
      const split = splitName(path);
      if (!split) {
        const pax = Buffer.from(paxRecord('path', path));
        put(header('PaxHeader', 'x', pax.length));
        put(pax);
        put(Buffer.alloc((BLOCK - (pax.length % BLOCK)) % BLOCK));
      }
      // readers that know pax take its path; the ustar name is only a stand-in
      const { name, prefix } = split ?? { name: path.slice(0, 99), prefix: '' };
      put(header(name, type, size, prefix));
    };
    const walk = (rel: string): void => {
      for (const name of readdirSync(join(dir, rel)).sort()) {
        const path = rel ? `${rel}/${name}` : name;
        const st = statSync(join(dir, path));
        if (st.isDirectory()) {
          entry(`${path}/`, '5', 0);
          walk(path);
        } else if (st.isFile()) {
          entry(path, '0', st.size);
          const src = openSync(join(dir, path), 'r');
          try {
            const buf = Buffer.alloc(Math.min(CHUNK, Math.max(st.size, 1)));
            let left = st.size;
            while (left > 0) {
              const n = readSync(src, buf, 0, Math.min(buf.length, left), null);
              if (n === 0) throw new UserError(`${join(dir, path)}: changed while archiving`);
              put(buf.subarray(0, n));
              left -= n;
            }
          } finally {
            closeSync(src);
          }
          put(Buffer.alloc((BLOCK - (st.size % BLOCK)) % BLOCK));
        }
      }
    };
    walk('');
    put(Buffer.alloc(BLOCK * 2));
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  renameSync(tmp, file);
}

function cString(b: Buffer, offset: number, width: number): string {
  const s = b.subarray(offset, offset + width);
  const end = s.indexOf(0);
  return s.subarray(0, end < 0 ? width : end).toString('utf8');
}

function readSize(b: Buffer, offset: number): number {
  if ((b[offset]! & 0x80) !== 0) {
    let v = 0n;
    for (let i = 1; i < 12; i++) v = (v << 8n) | BigInt(b[offset + i]!);
    return Number(v);
  }
  const text = cString(b, offset, 12).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error(`size field "${text}" is not octal`);
  return text ? parseInt(text, 8) : 0;
}

function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\d+) ([^=]+)=([^\n]*)\n/g)) out[m[2]!] = m[3]!;
  return out;
}

/** A relative path inside the archive, or an error naming the entry. */
function safePath(file: string, name: string): string {
  const path = name.replace(/^\.\//, '').replace(/\/+$/, '');
  const parts = path.split('/');
  if (path === '' || path.startsWith('/') || parts.some((p) => p === '..' || p === ''))
    throw new UserError(
      `${file}: entry ${JSON.stringify(name)} is outside the archive; refused (nothing unpacked is used)`,
    );
  return path;
}

/** Unpacks the tar `file` into `dir` (which it creates). */
export function extractArchive(file: string, dir: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new UserError(
      `${file}: cannot read the archive (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  try {
    const total = fstatSync(fd).size;
    mkdirSync(dir, { recursive: true });
    const h = Buffer.alloc(BLOCK);
    let pos = 0;
    const readExact = (buf: Buffer, length: number): void => {
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, pos);
        if (n === 0)
          throw new UserError(`${file}: the archive ends inside an entry (truncated at ${pos})`);
        got += n;
        pos += n;
      }
    };
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    for (;;) {
      if (pos + BLOCK > total) {
        if (pos === total) break; // no end blocks: accepted, as tar does
        throw new UserError(`${file}: the archive ends inside a header (truncated at ${pos})`);
      }
      readExact(h, BLOCK);
      if (h.every((b) => b === 0)) break;
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
      const stored = parseInt(cString(h, 148, 8).trim(), 8);
      if (stored !== sum)
        throw new UserError(
          `${file}: not a tar archive (bad header checksum at byte ${pos - BLOCK})`,
        );
      const type = String.fromCharCode(h[156]!);
      let size: number;
      try {
        size = pax.size !== undefined ? Number(pax.size) : readSize(h, 124);
      } catch (e) {
        throw new UserError(`${file}: ${(e as Error).message} at byte ${pos - BLOCK}`);
      }
      const padded = size + ((BLOCK - (size % BLOCK)) % BLOCK);
      const prefix = cString(h, 345, 155);
      const raw = pax.path ?? longName ?? (prefix ? `${prefix}/` : '') + cString(h, 0, 100);
      if (type === 'x' || type === 'L' || type === 'g') {
        const body = Buffer.alloc(padded);
        readExact(body, padded);
        const text = body.subarray(0, size).toString('utf8');
        if (type === 'x') pax = parsePax(text);
        else if (type === 'L') longName = text.replace(/\0+$/, '');
        continue;
      }
      pax = {};
      longName = undefined;
      if (type === '5') {
        mkdirSync(join(dir, safePath(file, raw)), { recursive: true });
        pos += padded;
        continue;
      }
      if (type !== '0' && type !== '\0' && type !== '7')
        throw new UserError(
          `${file}: entry ${JSON.stringify(raw)} is not a regular file or directory (type ${JSON.stringify(type)}); refused`,
        );
      const out = join(dir, safePath(file, raw));
      mkdirSync(dirname(out), { recursive: true });
      const w = openSync(out, 'w');
      try {
        const buf = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
        let left = size;
        while (left > 0) {
          const n = Math.min(buf.length, left);
          readExact(buf, n);
          for (let off = 0; off < n;) off += writeSync(w, buf, off, n - off);
          left -= n;
        }
      } finally {
        closeSync(w);
      }
      pos += padded - size;
    }
  } finally {
    closeSync(fd);
  }
}
