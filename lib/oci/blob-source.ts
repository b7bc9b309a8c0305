/** Where uploaded bytes come from: memory or a file, read one chunk at a time. */
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

/** A file as a source; call `close()` when done. */
export async function fileSource(path: string): Promise<BlobSource & { close(): Promise<void> }> {
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
