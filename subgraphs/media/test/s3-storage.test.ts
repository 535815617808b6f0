/**
 * What is particular to the S3 storage (the upload suite itself runs on it in uploads.test.ts):
 * media is not ready while its bucket does not answer, and its credentials go in pairs.
 */
import { randomToken } from '@platform/service-kit';
import { configProblems, startSubgraph, type SubgraphHarness } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaSubgraph } from '../src/subgraph.js';
import { STORAGE_BACKENDS, type RunningStorage } from './storage-backends.js';

const s3 = STORAGE_BACKENDS.find((backend) => backend.name.startsWith('S3'))!;

let storage: RunningStorage;
const started: SubgraphHarness<typeof mediaSubgraph>[] = [];
beforeAll(async () => {
  storage = await s3.start();
});
afterAll(async () => {
  for (const media of started) await media.stop();
  await storage?.stop();
});

const startMedia = async (env: Record<string, string>) => {
  const media = await startSubgraph(mediaSubgraph, {
    env: { MEDIA_PUBLIC_URL: 'https://media.example.test', MEDIA_UPLOAD_SIGNING_SECRET: randomToken(), ...env },
  });
  started.push(media);
  return media;
};

describe('media on S3', () => {
  it('is ready when its bucket answers, and not while it does not exist', async () => {
    const ready = await startMedia(storage.env);
    const answer = await fetch(`${ready.url}/readyz`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ checks: { storage: true } });

    const missing = await startMedia({ ...storage.env, MEDIA_STORAGE_S3_BUCKET: 'no-such-bucket' });
    const refused = await fetch(`${missing.url}/readyz`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ status: 'not ready', checks: { storage: false } });
  });

  it('refuses half a pair of static credentials, and an endpoint without a bucket', () => {
    const base = {
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://media@localhost/platform_media',
      GATEWAY_PUBLIC_JWKS: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }),
      INTERNAL_API_CREDENTIALS: `authz:${'a'.repeat(32)}`,
      MEDIA_UPLOAD_SIGNING_SECRET: 's'.repeat(32),
    };
    expect(
      configProblems(mediaSubgraph, {
        ...base,
        MEDIA_STORAGE_S3_BUCKET: 'media',
        MEDIA_STORAGE_S3_ACCESS_KEY_ID: 'key',
      }),
    ).toEqual([
      'MEDIA_STORAGE_S3_SECRET_ACCESS_KEY: MEDIA_STORAGE_S3_ACCESS_KEY_ID and MEDIA_STORAGE_S3_SECRET_ACCESS_KEY go together: set both or neither',
    ]);
    expect(configProblems(mediaSubgraph, { ...base, MEDIA_STORAGE_S3_ENDPOINT: 'http://minio:9000' })).toEqual([
      'MEDIA_STORAGE_S3_BUCKET: is required when MEDIA_STORAGE_S3_ENDPOINT is set (which bucket?)',
    ]);
    expect(configProblems(mediaSubgraph, { ...base, ...storage.env })).toEqual([]);
  });
});
