/**
 * The storages media's upload suite runs on, each a real one started for the test file: local
 * disk (a temporary directory) and S3 (s3rver, a server speaking the S3 protocol over HTTP, with
 * a bucket of its own, reached through the AWS SDK exactly as AWS S3 or MinIO would be).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface RunningStorage {
  /** The media variables that select and configure it. */
  env: Record<string, string>;
  /** What is stored for the file (objects or files named after it, and any partial file), by name. */
  storedFor(fileId: string): Promise<string[]>;
  stop(): Promise<void>;
}

export interface StorageBackend {
  name: string;
  start(): Promise<RunningStorage>;
}

const localDisk: StorageBackend = {
  name: 'local disk',
  async start() {
    const dir = await mkdtemp(path.join(tmpdir(), 'media-test-'));
    return {
      env: { MEDIA_STORAGE_DIR: dir },
      storedFor: async (fileId) =>
        (await readdir(dir)).filter((name) => name.startsWith(fileId) || name.startsWith('.partial-')),
      stop: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

const BUCKET = 'media-test';
// s3rver's own credentials.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const s3: StorageBackend = {
  name: 'S3 (s3rver)',
  async start() {
    const dir = await mkdtemp(path.join(tmpdir(), 'media-s3-'));
    const server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
    return {
      env: {
        MEDIA_STORAGE_S3_BUCKET: BUCKET,
        MEDIA_STORAGE_S3_ENDPOINT: endpoint,
        MEDIA_STORAGE_S3_FORCE_PATH_STYLE: 'true',
        MEDIA_STORAGE_S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        MEDIA_STORAGE_S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      },
      async storedFor(fileId) {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: fileId }));
        return (listed.Contents ?? []).map((object) => object.Key!);
      },
      async stop() {
        client.destroy();
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const STORAGE_BACKENDS: readonly StorageBackend[] = [localDisk, s3];
