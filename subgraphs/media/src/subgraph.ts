/**
 * The media subgraph: uploads by short-lived signed URLs (the client PUTs the bytes straight
 * to media, as to S3), checked while they stream (size, allow-listed image types, magic
 * bytes), stored through a storage port (local disk, or an S3 bucket when
 * `MEDIA_STORAGE_S3_BUCKET` is set), served back with safe headers; user
 * avatars (`User.avatarUrl`) and post images. Uploads never completed are forgotten by the
 * durable job `media.expire-uploads`.
 */
import path from 'node:path';
import { defineSubgraph, env, integerEnv, requiredEnv } from '@platform/service-kit';
import { z } from 'zod';
import { createContextFactory } from './context.js';
import { createFiles } from './domain/files.js';
import { createUploadSigner } from './domain/signing.js';
import { resolvers } from './resolvers/index.js';
import { mediaRoutes } from './routes.js';
import { createLocalDiskStorage } from './storage/local-disk.js';
import type { FileStorage } from './storage/port.js';
import { createS3Storage } from './storage/s3.js';

/** The host clients use for the default public URL: a wildcard listen address is not one. */
const publicHost = (host: string) => (host === '0.0.0.0' || host === '::' ? 'localhost' : host);

export const mediaSubgraph = defineSubgraph({
  name: 'media',
  port: 4013,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/media/', import.meta.url),
  resolvers,
  config: {
    MEDIA_PUBLIC_URL: env.httpUrl
      .optional()
      .describe(
        "Where clients reach media's `/media/*` routes (uploads and files), without a trailing slash; by default `http://<HOST>:<PORT>`",
      ),
    MEDIA_UPLOAD_SIGNING_SECRET: requiredEnv('a random secret of at least 32 characters')
      .min(32, 'must be at least 32 characters')
      .describe('The HMAC key that signs upload URLs; rotating it voids every URL handed out'),
    MEDIA_STORAGE_DIR: z
      .string()
      .min(1)
      .default('.data/media')
      .describe('The directory the local-disk storage keeps files in (when no S3 bucket is set)'),
    MEDIA_STORAGE_S3_BUCKET: z
      .string()
      .min(3)
      .optional()
      .describe('Store files in this S3 bucket (it must exist) instead of on local disk'),
    MEDIA_STORAGE_S3_ENDPOINT: env.httpUrl
      .optional()
      .describe('An S3-compatible server (`http://minio:9000`) instead of AWS S3'),
    MEDIA_STORAGE_S3_REGION: z.string().min(1).default('us-east-1').describe("The bucket's region"),
    MEDIA_STORAGE_S3_FORCE_PATH_STYLE: env
      .boolean(false)
      .describe('Address the bucket as `endpoint/bucket` (most S3-compatible servers) rather than `bucket.endpoint`'),
    MEDIA_STORAGE_S3_ACCESS_KEY_ID: z
      .string()
      .min(1)
      .optional()
      .describe("Static credentials' key id; without it, the AWS SDK's default chain (AWS_* variables, a pod role)"),
    MEDIA_STORAGE_S3_SECRET_ACCESS_KEY: z
      .string()
      .min(1)
      .optional()
      .describe('The secret of MEDIA_STORAGE_S3_ACCESS_KEY_ID; set both or neither'),
    MEDIA_UPLOAD_URL_TTL_SECONDS: integerEnv(900, 30, 3600).describe(
      'How long an upload URL works; an upload not completed by then is forgotten',
    ),
  },
  validate(config): Record<string, string> {
    const problems: Record<string, string> = {};
    if (config.MEDIA_PUBLIC_URL === undefined && config.PORT === 0) {
      problems.MEDIA_PUBLIC_URL = 'is required when PORT is 0 (the public URL cannot be derived)';
    }
    if (
      (config.MEDIA_STORAGE_S3_ACCESS_KEY_ID === undefined) !==
      (config.MEDIA_STORAGE_S3_SECRET_ACCESS_KEY === undefined)
    ) {
      problems.MEDIA_STORAGE_S3_SECRET_ACCESS_KEY =
        'MEDIA_STORAGE_S3_ACCESS_KEY_ID and MEDIA_STORAGE_S3_SECRET_ACCESS_KEY go together: set both or neither';
    }
    if (config.MEDIA_STORAGE_S3_BUCKET === undefined && config.MEDIA_STORAGE_S3_ENDPOINT !== undefined) {
      problems.MEDIA_STORAGE_S3_BUCKET = 'is required when MEDIA_STORAGE_S3_ENDPOINT is set (which bucket?)';
    }
    return problems;
  },
  jobs: {
    // Every 10 minutes; a missed run needs no catching up: the next one deletes everything due.
    'media.expire-uploads': {
      data: z.object({}),
      retryLimit: 2,
      retryDelay: 5,
      schedule: { cron: '*/10 * * * *', tz: 'UTC', missed: 'skip' },
      policy: 'singleton',
    },
  },
  development: {
    secrets: ['MEDIA_UPLOAD_SIGNING_SECRET'],
    env: ({ dataDir }) => ({ MEDIA_STORAGE_DIR: path.join(dataDir, 'media') }),
  },
  async setup({ config, db, logger, onStop }) {
    const readiness: Record<string, () => Promise<boolean>> = {};
    let storage: FileStorage;
    if (config.MEDIA_STORAGE_S3_BUCKET) {
      const s3 = createS3Storage({
        bucket: config.MEDIA_STORAGE_S3_BUCKET,
        endpoint: config.MEDIA_STORAGE_S3_ENDPOINT,
        region: config.MEDIA_STORAGE_S3_REGION,
        forcePathStyle: config.MEDIA_STORAGE_S3_FORCE_PATH_STYLE,
        credentials:
          config.MEDIA_STORAGE_S3_ACCESS_KEY_ID && config.MEDIA_STORAGE_S3_SECRET_ACCESS_KEY
            ? {
                accessKeyId: config.MEDIA_STORAGE_S3_ACCESS_KEY_ID,
                secretAccessKey: config.MEDIA_STORAGE_S3_SECRET_ACCESS_KEY,
              }
            : undefined,
      });
      readiness.storage = () => s3.reachable();
      onStop(() => s3.close());
      storage = s3;
      logger.info({ bucket: config.MEDIA_STORAGE_S3_BUCKET }, 'files are stored in S3');
    } else {
      storage = createLocalDiskStorage(config.MEDIA_STORAGE_DIR);
    }
    const files = createFiles({
      db,
      storage,
      signer: createUploadSigner(config.MEDIA_UPLOAD_SIGNING_SECRET),
      publicUrl: (config.MEDIA_PUBLIC_URL ?? `http://${publicHost(config.HOST)}:${config.PORT}`).replace(/\/+$/, ''),
      uploadUrlTtlSeconds: config.MEDIA_UPLOAD_URL_TTL_SECONDS,
    });
    return {
      context: createContextFactory(files),
      routes: mediaRoutes(files, storage),
      readiness,
      jobs: {
        'media.expire-uploads': async () => {
          const expired = await files.expireUploads();
          if (expired > 0) logger.info({ expired }, 'forgot expired uploads');
        },
      },
      exposed: { expireUploads: () => files.expireUploads() },
    };
  },
});
