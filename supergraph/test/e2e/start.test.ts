/**
 * `npm start` as a newcomer runs it: the launcher brings up embedded Postgres, every
 * subgraph and the gateway as separate processes, serves the contract, stops cleanly on
 * Ctrl-C, and a second start keeps the data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePortVariables } from '../../src/platform/launch.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Launch {
  child: ChildProcess;
  output: () => string;
  readyAfterMs: number;
}

async function launch(environment: Record<string, string>): Promise<Launch> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'supergraph/src/cli/start.ts'], {
    cwd: repositoryRoot,
    env: { ...process.env, ...environment, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 60 s:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes('press Ctrl-C to stop')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`launcher exited with ${code}:\n${output}`));
    });
  });
  return { child, output: () => output, readyAfterMs: Date.now() - started };
}

async function stop(launched: Launch): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => launched.child.once('exit', resolve));
  launched.child.kill('SIGINT');
  return exited;
}

describe('npm start', () => {
  let dataDir: string;
  let environment: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'platform-start-'));
    environment = {
      DATA_DIR: dataDir,
      // Every service of the registry on a free port, whichever subgraphs it lists.
      ...(await freePortVariables()),
      REDIS_URL: '',
      POSTGRES_URL: '',
    };
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const graphql = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(`http://127.0.0.1:${environment.GATEWAY_PORT}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };

  it(
    'serves the supergraph, stops on Ctrl-C, and keeps the data for the next start',
    { timeout: 180_000 },
    async () => {
      const credentials = { email: 'first.start@example.test', password: 'persisted password' };
      const first = await launch(environment);
      try {
        expect(first.output()).toContain(`http://localhost:${environment.GATEWAY_PORT}/graphql`);
        process.stdout.write(`npm start: gateway ready after ${first.readyAfterMs} ms (fresh data folder)\n`);
        const registered = await graphql(contractOperation('Register'), { ...credentials, name: 'First Start' });
        expect(registered.errors).toBeUndefined();
      } finally {
        // Stop the launcher even when an expectation failed, so no service outlives the test.
        expect(await stop(first)).toBe(0);
      }
      expect(first.output()).toContain('stopped');

      const second = await launch(environment);
      try {
        process.stdout.write(`npm start: gateway ready after ${second.readyAfterMs} ms (existing data folder)\n`);
        const loggedIn = await graphql(contractOperation('Login'), credentials);
        expect(loggedIn.errors).toBeUndefined();
        expect(loggedIn.data).toMatchObject({ login: { user: { email: credentials.email } } });
      } finally {
        expect(await stop(second)).toBe(0);
      }
    },
  );
});
