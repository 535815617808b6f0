/**
 * The media subgraph: uploads by short-lived signed URLs (the client PUTs the bytes straight
 * to media, as to S3), checked while they stream (size, allow-listed image types, magic
 * bytes), stored through a storage port (local disk), served back with safe headers; user
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
      .describe('The directory the local-disk storage keeps files in'),
    MEDIA_UPLOAD_URL_TTL_SECONDS: integerEnv(900, 30, 3600).describe(
      'How long an upload URL works; an upload not completed by then is forgotten',
    ),
  },
  validate(config): Record<string, string> {
    return config.MEDIA_PUBLIC_URL === undefined && config.PORT === 0
      ? { MEDIA_PUBLIC_URL: 'is required when PORT is 0 (the public URL cannot be derived)' }
      : {};
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
  async setup({ config, db, logger }) {
    const storage = createLocalDiskStorage(config.MEDIA_STORAGE_DIR);
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
