/**
 * Operation limits at the gateway: an alias, depth, token, directive or root-field bomb is
 * refused with `OPERATION_LIMIT_EXCEEDED` (and which limit) at once, before planning, so
 * no subgraph hears of it; over HTTP and over graphql-ws alike. The client contract's own
 * operations pass the limits at their defaults.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { login } from '../harness/users.js';

const operationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../operations');

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform.stop();
});

const repeat = (n: number, text: (i: number) => string) => Array.from({ length: n }, (_, i) => text(i)).join(' ');
const nested = (depth: number): string => (depth === 0 ? 'id' : `roles { permissions { ${nested(depth - 1)} } }`);

type GraphQLErrors = { extensions?: Record<string, unknown> }[] | undefined;
/** [code, limit] of each error. */
const limitsOf = (errors: GraphQLErrors) =>
  (errors ?? []).map((error) => [error.extensions?.code, error.extensions?.limit]);

/** Sends `query` and expects a refusal naming `limit` before planning: no subgraph is told of it. */
async function expectRefused(limit: string, query: string, variables: Record<string, unknown> = {}) {
  const requestId = `limits-${randomBytes(6).toString('hex')}`;
  const response = await platform.graphql(query, variables, { headers: { 'x-request-id': requestId } });
  expect(response.body.data ?? null).toBeNull();
  expect(limitsOf(response.body.errors)).toContainEqual(['OPERATION_LIMIT_EXCEEDED', limit]);
  const subgraphLines = platform
    .logLines()
    .map((line) => JSON.parse(line) as { service?: string; requestId?: string })
    .filter((entry) => entry.requestId === requestId && entry.service !== 'gateway');
  expect(subgraphLines).toEqual([]);
  return response;
}

describe('operation limits over HTTP', () => {
  it('refuses an alias bomb of 20,000 aliases', async () => {
    await expectRefused('tokens', `{ ${repeat(20_000, (i) => `a${i}: __typename`)} }`);
  });

  it('refuses aliases beyond the limit in an operation small enough to parse', async () => {
    const response = await expectRefused('aliases', `query { me { ${repeat(16, (i) => `a${i}: id`)} } }`);
    expect(response.body.errors![0]!.message).toContain('at most 15'); // not production: the maximum is named
  });

  it('refuses a depth bomb', async () => {
    await expectRefused('depth', `{ me { ${nested(6)} } }`);
  });

  it('refuses a token bomb', async () => {
    await expectRefused('tokens', `{ me { ${'id '.repeat(5000)}} }`);
  });

  it('refuses a directive bomb', async () => {
    await expectRefused('directives', `{ me { id ${'@skip(if: false) '.repeat(60)}} }`);
  });

  it('refuses a root-field bomb', async () => {
    await expectRefused('rootFields', `{ ${'me { id } '.repeat(11)}}`);
  });

  it('refuses 40 aliased register mutations and creates no account', async () => {
    const prefix = `bomb.${randomBytes(4).toString('hex')}`;
    const variables = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [
        `i${i}`,
        { email: `${prefix}.${i}@example.test`, password: 'correct-horse-battery', name: `Bomb ${i}` },
      ]),
    );
    const query = `mutation Bomb(${repeat(40, (i) => `$i${i}: RegisterInput!`)}) { ${repeat(
      40,
      (i) => `r${i}: register(input: $i${i}) { user { id } }`,
    )} }`;
    await expectRefused('aliases', query, variables);
    for (const i of [0, 39]) {
      await expect(
        login(platform, { email: `${prefix}.${i}@example.test`, password: 'correct-horse-battery' }),
      ).rejects.toThrow(/login failed/);
    }
  });

  it('passes every operation of the client contract at the default limits', async () => {
    const names = readdirSync(operationsDir)
      .filter((file) => file.endsWith('.graphql'))
      .flatMap((file) =>
        parse(readFileSync(path.join(operationsDir, file), 'utf8')).definitions.flatMap((definition) =>
          definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : [],
        ),
      );
    expect(names).toContain('Register');
    // Anonymous and without variables: whatever else each answers (a missing variable, no
    // caller), it got past the limits, and nothing changes.
    for (const name of names) {
      const response = await platform.graphql(contractOperation(name));
      const codes = (response.body.errors ?? []).map((error) => error.extensions?.code);
      expect(codes, name).not.toContain('OPERATION_LIMIT_EXCEEDED');
      expect(response.status).toBeLessThan(500);
    }
  });
});

describe('operation limits over graphql-ws', () => {
  it('refuses a subscription beyond a limit before it is planned', async () => {
    const admin = await login(platform, platform.admin);
    const client = createClient({
      url: platform.gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${admin.accessToken}` },
      retryAttempts: 0,
    });
    try {
      const aliases = repeat(16, (i) => `a${i}: id`);
      const error = await new Promise<unknown>((resolve, reject) => {
        client.subscribe(
          { query: `subscription { auditEvents { ${aliases} } }` },
          { next: () => reject(new Error('an event arrived')), error: resolve, complete: () => resolve(undefined) },
        );
      });
      expect(limitsOf(error as GraphQLErrors)).toEqual([['OPERATION_LIMIT_EXCEEDED', 'aliases']]);
    } finally {
      await client.dispose();
    }
  });
});
