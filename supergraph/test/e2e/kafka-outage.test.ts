/**
 * The platform on a real Kafka broker, through an outage: with the broker down, 100
 * mutations still commit and their events wait in the outbox (visible on /metrics); when
 * the broker is back every event is delivered, in order per aggregate, and the audit log
 * gains exactly 100 rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startKafkaBroker, type KafkaBroker } from '@platform/devkit/kafka';
import { createDatabase, type Database } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { login, registerUser, type TestSession, type TestUser } from '../harness/users.js';

let broker: KafkaBroker;
let dataDir: string;
let platform: TestPlatform;
let audit: Database;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'platform-kafka-'));
  broker = await startKafkaBroker({ dataDir });
  platform = await startTestPlatform({ kafkaBrokers: broker.brokers });
  audit = createDatabase({ url: platform.environments.audit!.DATABASE_URL!, applicationName: 'outage-test' });
}, 180_000);
afterAll(async () => {
  await audit?.destroy();
  await platform?.stop();
  await broker?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const pendingInIdentityOutbox = async () => {
  const metrics = await (await fetch(`${platform.subgraphUrls.identity}/metrics`)).text();
  return Number(/^outbox_pending(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? -1);
};

describe('a Kafka outage', () => {
  it(
    'loses no event: 100 profile updates made while the broker is down reach the audit log in order',
    { timeout: 300_000 },
    async () => {
      const users: { user: TestUser; session: TestSession }[] = [];
      for (let index = 0; index < 10; index += 1) {
        const user = await registerUser(platform, `outage${index}`);
        users.push({ user, session: await login(platform, user) });
      }
      // Everything before the outage has reached the audit log.
      const ids = users.map(({ user }) => user.id);
      await waitFor(
        async () =>
          Number(
            (
              await audit('audit_log')
                .whereIn('target_id', ids)
                .where({ action: 'identity.user.registered' })
                .count<{ count: number }[]>('* as count')
            )[0]!.count,
          ),
        (count) => count === 10,
        'the registrations in the audit log',
        60_000,
      );

      await broker.stop();
      for (let round = 0; round < 10; round += 1) {
        for (const { session } of users) {
          const updated = await platform.graphql(
            contractOperation('UpdateProfile'),
            { name: `name ${round}` },
            {
              token: session.accessToken,
            },
          );
          expect(updated.body.errors).toBeUndefined();
        }
      }
      expect(await pendingInIdentityOutbox()).toBeGreaterThanOrEqual(100);

      await broker.start();
      const rows = await waitFor(
        () =>
          audit('audit_log')
            .whereIn('target_id', ids)
            .where({ action: 'identity.user.updated' })
            .orderBy('seq')
            .select<{ target_id: string; metadata: { name?: string } }[]>('target_id', 'metadata'),
        (found) => found.length >= 100,
        'the 100 updates in the audit log',
        120_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000)); // and no more than 100
      const final = await audit('audit_log')
        .whereIn('target_id', ids)
        .where({ action: 'identity.user.updated' })
        .count<{ count: number }[]>('* as count');
      expect(Number(final[0]!.count)).toBe(100);
      for (const id of ids) {
        const names = rows.filter((row) => row.target_id === id).map((row) => row.metadata.name);
        expect(names).toEqual(Array.from({ length: 10 }, (_, round) => `name ${round}`));
      }
      expect(await waitFor(pendingInIdentityOutbox, (pending) => pending === 0, 'an empty outbox', 30_000)).toBe(0);
    },
  );
});
