/**
 * Where file bytes live. The port writes a stream under a key (all or nothing: a write that
 * fails or is aborted leaves no object) and reads one back. Adapters: local disk (the default)
 * and S3 (`s3.ts`, when `MEDIA_STORAGE_S3_BUCKET` is set), both run through the same tests.
 */
import type { Readable } from 'node:stream';

export interface FileStorage {
  /** Stores `body` under `key`; on any error nothing is kept. */
  put(key: string, body: AsyncIterable<Uint8Array>): Promise<void>;
  /** The object's bytes and size, or null when there is none. */
  get(key: string): Promise<{ body: Readable; size: number } | null>;
  /** Removes the object if it exists. */
  delete(key: string): Promise<void>;
}
