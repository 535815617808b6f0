/**
 * The local-disk storage adapter: one file per key under a root directory. Bytes are written to
 * a temporary name and renamed into place only when the whole stream arrived, so a reader never
 * sees half a file and a refused upload leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FileStorage } from './port.js';

const KEY_PATTERN = /^[a-z0-9-]{1,100}$/;

export function createLocalDiskStorage(root: string): FileStorage {
  const pathOf = (key: string) => {
    // Keys are ours (file ids), but a path is never built from anything that could climb out.
    if (!KEY_PATTERN.test(key)) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
    return path.join(root, key);
  };
  return {
    async put(key, body) {
      const target = pathOf(key);
      await mkdir(root, { recursive: true });
      const temporary = path.join(root, `.partial-${randomUUID()}`);
      // Opened before the stream runs: a stream that fails at once could otherwise create the
      // file after the cleanup below removed nothing, leaving an empty partial behind.
      const handle = await open(temporary, 'wx');
      try {
        await pipeline(body, handle.createWriteStream());
        await rename(temporary, target);
      } catch (error) {
        await handle.close().catch(() => undefined);
        await rm(temporary, { force: true });
        throw error;
      }
    },
    async get(key) {
      const file = pathOf(key);
      try {
        const { size } = await stat(file);
        return { body: createReadStream(file), size };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
