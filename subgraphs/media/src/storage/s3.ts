/**
 * The S3 storage adapter (`@aws-sdk/client-s3`), for AWS S3 or any S3-compatible server (MinIO,
 * Ceph, R2…: `MEDIA_STORAGE_S3_ENDPOINT`, usually with path-style addressing). One object per key
 * in one bucket, which must exist. Bytes still arrive through media's own signed upload route,
 * which checks size and magic bytes while they stream; the object is written with one
 * `PutObject` only once the whole stream passed, so a refused upload leaves no object (S3 has no
 * partial objects). The largest upload is 10 MiB, so the body is gathered in memory first.
 */
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { FileStorage } from './port.js';

const KEY_PATTERN = /^[a-z0-9-]{1,100}$/;

export interface S3StorageOptions {
  bucket: string;
  /** An S3-compatible server instead of AWS (`http://minio:9000`). */
  endpoint?: string | undefined;
  region: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key`: what most S3-compatible servers need. */
  forcePathStyle: boolean;
  /** Static credentials; without them, the SDK's default chain (AWS_* variables, an instance or pod role). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

export interface S3Storage extends FileStorage {
  /** Whether the bucket answers (readiness). */
  reachable(): Promise<boolean>;
  close(): void;
}

export function createS3Storage(options: S3StorageOptions): S3Storage {
  const client = new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const Bucket = options.bucket;
  const checked = (key: string) => {
    if (!KEY_PATTERN.test(key)) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
    return key;
  };
  return {
    async put(key, body) {
      const Key = checked(key);
      const chunks: Uint8Array[] = [];
      // A stream refused on the way (size, magic bytes) throws here, before anything is written.
      for await (const chunk of body) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      await client.send(new PutObjectCommand({ Bucket, Key, Body: bytes, ContentLength: bytes.length }));
    },
    async get(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: checked(key) }));
        if (!object.Body || object.ContentLength === undefined) return null;
        // In Node the body is the HTTP response stream.
        return { body: object.Body as Readable, size: object.ContentLength };
      } catch (error) {
        if (error instanceof NoSuchKey) return null;
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return null;
        throw error;
      }
    },
    async delete(key) {
      // Deleting a missing object succeeds in S3.
      await client.send(new DeleteObjectCommand({ Bucket, Key: checked(key) }));
    },
    async reachable() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.destroy(),
  };
}
