/**
 * A registration while authz is down still gets its default role, with no operator: the
 * real identity subgraph registers the user and writes `user.registered` to its outbox, its
 * relay publishes it to a real Kafka broker, and authz, started again on its database,
 * consumes it from where its group left off. identity never calls authz for this.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaBroker, type KafkaBroker } from '@platform/devkit/kafka';
import { contractOperation, eventually, startSubgraph, type SubgraphHarness } from '@platform/devkit/testing';
import { authzSubgraph } from '../../../subgraphs/authz/src/subgraph.js';
import { identitySubgraph } from '../../../subgraphs/identity/src/subgraph.js';

/** A consumer group joins (and rejoins after a restart) in seconds, longer on a busy machine. */
const KAFKA_TIMEOUT_MS = 45_000;

let broker: KafkaBroker;
let dataDir: string;
let identity: SubgraphHarness<typeof identitySubgraph>;
const running: SubgraphHarness<typeof authzSubgraph>[] = [];

async function startAuthz(databaseUrl?: string) {
  const authz = await startSubgraph(authzSubgraph, {
    kafkaBrokers: broker.brokers.join(','),
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  running.push(authz);
  await Promise.all(authz.subgraph.consumers.map((consumer) => consumer.ready));
  return authz;
}

async function rolesOf(authz: SubgraphHarness<typeof authzSubgraph>, userId: string): Promise<string[]> {
  const { rows } = await authz.db.raw<{ rows: { name: string }[] }>(
    'select r.name from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = ?',
    [userId],
  );
  return rows.map((row) => row.name);
}

async function register(label: string): Promise<string> {
  const { body } = await identity.graphql<{ register: { user: { id: string } } }>(contractOperation('Register'), {
    email: `${label}.${Date.now()}@example.test`,
    password: 'correct horse battery',
    name: label,
  });
  if (!body.data?.register) throw new Error(`registration failed: ${JSON.stringify(body.errors)}`);
  return body.data.register.user.id;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'registration-kafka-'));
  broker = await startKafkaBroker({ dataDir });
  identity = await startSubgraph(identitySubgraph, { kafkaBrokers: broker.brokers.join(',') });
}, 180_000);

afterAll(async () => {
  for (const authz of running) await authz.stop().catch(() => undefined);
  await identity?.stop();
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('registration while authz is down', () => {
  it('gets the default role once authz is back', { timeout: 180_000 }, async () => {
    const first = await startAuthz();
    const before = await register('before');
    await eventually(
      async () => (await rolesOf(first, before)).includes('user'),
      'the role of a registration while authz is up',
      KAFKA_TIMEOUT_MS,
    );

    await first.stop();
    running.pop();
    const during = await register('during');
    // identity's relay has published it: the event waits on the topic, not in identity.
    await eventually(
      async () => Number((await identity.db('outbox').whereNull('published_at').count({ n: '*' }))[0]?.n) === 0,
      'identity to publish the registration',
      KAFKA_TIMEOUT_MS,
    );

    const again = await startAuthz(first.databaseUrl);
    await eventually(
      async () => (await rolesOf(again, during)).includes('user'),
      'the role of the registration made while authz was down',
      KAFKA_TIMEOUT_MS,
    );
    expect(await rolesOf(again, during)).toEqual(['user']);
  });
});
