/**
 * Test helpers shared by every workspace: real Postgres and Redis started once per test
 * run (see `vitest.global-setup.ts`), a fresh database per test file, free ports.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { databaseUrlFor, ensureDatabaseExists } from '@platform/service-kit';

export { freePort } from '@platform/service-kit';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    redisUrl: string;
  }
}

/** Creates an empty database for one test file and returns its URL. */
export async function createTestDatabase(prefix: string): Promise<string> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `t_${prefix.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  await ensureDatabaseExists(adminUrl, name);
  return databaseUrlFor(adminUrl, name);
}

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A logger destination that keeps every line, for asserting on what was (not) logged. */
export function captureLogs(): { stream: NodeJS.WritableStream; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = {
    write(chunk: string | Uint8Array) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

export { configProblems, configProblemVariables, type ConfigSubject } from './config.js';
export { userEvent, type UserEventData } from './events.js';
export { contractOperation } from './operations.js';
export { postGraphQL } from './requests.js';
export { expectRelayed, outboxEvents, outboxSize, type OutboxHarness } from './outbox.js';
export {
  anonymous,
  errorCode,
  eventually,
  signedIn,
  startSubgraph,
  type GraphQLResponse,
  type GraphQLResult,
  type StartSubgraphOptions,
  type SubgraphHarness,
} from './subgraph-harness.js';
