/** Where uploaded bytes come from: memory or a file, read one chunk at a time. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface BlobSource {
  readonly size: number;
  /** Exactly `length` bytes from `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bytesSource(data: Uint8Array): BlobSource {
  return {
    size: data.length,
    read: async (offset, length) => data.subarray(offset, offset + length),
  };
}

/** Files up to this size are read whole, at once: most targets are small, and a file handle per blob costs more than the read. */
const WHOLE_FILE_LIMIT = 1 << 20;

/** A small file, read whole now, or undefined when it is larger than WHOLE_FILE_LIMIT. */
function smallFile(path: string): Uint8Array | undefined {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > WHOLE_FILE_LIMIT) return undefined;
    const buffer = Buffer.allocUnsafe(size);
    for (let done = 0; done < size;) {
      const n = readSync(fd, buffer, done, size - done, done);
      if (n === 0) throw new Error(`${path} shrank while being read`);
      done += n;
    }
    return buffer;
  } finally {
    closeSync(fd);
  }
}

/** A file as a source; call `close()` when done. */
export async function fileSource(path: string): Promise<BlobSource & { close(): Promise<void> }> {
  const whole = smallFile(path);
  if (whole) return { ...bytesSource(whole), close: () => Promise.resolve() };
  const handle: FileHandle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      const buffer = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) throw new Error(`${path} shrank while being read`);
        done += bytesRead;
      }
      return buffer;
    },
    close: () => handle.close(),
  };
}
