/**
 * Starts the real infrastructure a test run needs, once: Postgres (TEST_POSTGRES_URL, or
 * an embedded server in a temporary folder) and Redis (REDIS_URL, or a `redis-server`
 * started on a free port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startEmbeddedPostgres } from '../postgres-server.js';
import { freePort } from '@platform/service-kit';

export interface TestInfrastructure {
  postgresAdminUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

async function waitForRedis(url: string, deadlineMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // refused connections are expected while redis-server starts
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch (error) {
      client.disconnect();
      if (Date.now() - started > deadlineMs) throw new Error(`redis at ${url} did not come up: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startTestInfrastructure(env: NodeJS.ProcessEnv = process.env): Promise<TestInfrastructure> {
  const stops: (() => Promise<void>)[] = [];

  let postgresAdminUrl = env.TEST_POSTGRES_URL;
  if (!postgresAdminUrl) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'platform-test-pg-'));
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), disposable: true });
    postgresAdminUrl = server.adminUrl;
    stops.push(async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
  }

  let redisUrl = env.REDIS_URL;
  if (!redisUrl) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    redisUrl = `redis://127.0.0.1:${port}`;
    stops.push(async () => {
      child.kill('SIGTERM');
    });
    await waitForRedis(redisUrl, 10_000);
  }

  return {
    postgresAdminUrl,
    redisUrl,
    async stop() {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
