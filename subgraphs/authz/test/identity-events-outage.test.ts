/**
 * identity's events survive authz being down, on a real Kafka broker (one for the file):
 * a `user.registered` or `user.deleted` published while authz is stopped waits on identity's
 * topic, and authz, started again on the same database, applies it from where its consumer
 * group left off. No operator, no retry by identity.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@platform/service-kit';
import {
  createEventTransport,
  topicForType,
  type AnyCloudEvent,
  type EventTransport,
} from '@platform/service-kit/events';
import { startKafkaBroker, type KafkaBroker } from '@platform/devkit/kafka';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesOf, startAuthz, userDeleted, userRegistered, type AuthzHarness } from './support.js';

/** A consumer group joins (and rejoins after a restart) in seconds, longer on a busy machine. */
const KAFKA_TIMEOUT_MS = 30_000;

let broker: KafkaBroker;
let dataDir: string;
/** Identity's side of the topic: publishes while authz is down. */
let identity: EventTransport;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'authz-kafka-'));
  broker = await startKafkaBroker({ dataDir });
  identity = createEventTransport({
    kafkaBrokers: broker.brokers,
    clientId: 'identity-test',
    logger: createLogger({ service: 'identity-test', level: 'silent' }),
  });
}, 180_000);

afterAll(async () => {
  await identity?.close();
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

function publish(events: readonly AnyCloudEvent[]): Promise<void> {
  return identity.publish(
    events.map((event) => ({
      topic: topicForType(event.type),
      key: event.subject ?? null,
      value: JSON.stringify(event),
    })),
  );
}

async function startOnKafka(databaseUrl?: string): Promise<AuthzHarness> {
  const authz = await startAuthz({ kafkaBrokers: broker.brokers.join(','), ...(databaseUrl ? { databaseUrl } : {}) });
  await Promise.all(authz.subgraph.consumers.map((consumer) => consumer.ready));
  return authz;
}

describe("identity's events while authz is down", () => {
  it('a registration gets the default role when authz is back, with no operator', { timeout: 120_000 }, async () => {
    const first = await startOnKafka();
    const { databaseUrl } = first;
    let running: AuthzHarness | undefined = first;
    try {
      // authz consumes while up: its group has a position on identity's topic.
      const before = userRegistered();
      await publish([before]);
      await eventually(
        async () => (await rolesOf(first, before.data.userId)).length > 0,
        'the role of a registration while authz is up',
        KAFKA_TIMEOUT_MS,
      );

      running = undefined;
      await first.stop();
      const during = userRegistered();
      await publish([during]);

      const authz = await startOnKafka(databaseUrl);
      running = authz;
      await eventually(
        async () => (await rolesOf(authz, during.data.userId)).length > 0,
        'the role of the registration made while authz was down',
        KAFKA_TIMEOUT_MS,
      );
      expect(await rolesOf(authz, during.data.userId)).toEqual(['user']);
      expect(await rolesOf(authz, before.data.userId)).toEqual(['user']);
      // Each registration gave its role once: one role.assigned each, across the restart.
      const assigned = await authz
        .db<{ key: string }>('outbox')
        .whereIn('key', [before.data.userId, during.data.userId])
        .select('key');
      expect(assigned.map((row) => row.key).sort()).toEqual([before.data.userId, during.data.userId].sort());
    } finally {
      await running?.stop();
    }
  });

  it("a deletion takes the user's roles when authz is back", { timeout: 120_000 }, async () => {
    const first = await startOnKafka();
    let running: AuthzHarness | undefined = first;
    try {
      const registered = userRegistered();
      const { userId } = registered.data;
      await publish([registered]);
      await eventually(async () => (await rolesOf(first, userId)).length > 0, 'the default role', KAFKA_TIMEOUT_MS);

      running = undefined;
      await first.stop();
      await publish([userDeleted(userId)]);

      const authz = await startOnKafka(first.databaseUrl);
      running = authz;
      await eventually(
        async () => (await rolesOf(authz, userId)).length === 0,
        'the deleted user to lose their roles',
        KAFKA_TIMEOUT_MS,
      );
    } finally {
      await running?.stop();
    }
  });
});
