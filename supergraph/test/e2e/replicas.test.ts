/**
 * Replicas on loopback (issue #15): two replicas of every subgraph and two gateways, on one
 * Kafka broker, one Postgres (each service's replicas share its database) and one Redis, the
 * way two pods of each Deployment run. Clients use both gateways. Shown here:
 * - no seat sold twice: 40 concurrent holds of one seat on 15 seats, half through each gateway;
 * - a scheduled post publishes once while both blog replicas poll for due jobs;
 * - every subscription event reaches each client once, whichever gateway it is connected to
 *   (audit's stream: each audit replica reads every topic; notifications: Postgres NOTIFY);
 * - every event of every outbox is on Kafka exactly once (a test consumer reads the topics), and
 *   is consumed exactly once per consumer group (processed_events, audit_log rows), the work
 *   shared by both replicas of a group (their events_consumed_total);
 * - a gateway's readiness: ready while a subgraph is unreachable (reported in the body),
 *   not ready while its Redis is.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKafkaBroker, type KafkaBroker } from '@platform/devkit/kafka';
import { eventually, freePort } from '@platform/devkit/testing';
import { createDatabase, createLogger, type Database } from '@platform/service-kit';
import { createKafkaTransport, topicForType, type EventType } from '@platform/service-kit/events';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphs } from '../../src/platform/services.js';
import { contractOperation } from '../harness/operations.js';
import { publishedEvent, signInOrganizer } from '../harness/organizers.js';
import { startTestPlatform, type PlatformReplica, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, type TestUser } from '../harness/users.js';

let broker: KafkaBroker;
let dataDir: string;
let platform: TestPlatform;
/** The second replica of everything; `platform` itself is the first. */
let second: PlatformReplica;
const databases = new Map<string, Database>();
const clients: Client[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'platform-replicas-'));
  broker = await startKafkaBroker({ dataDir });
  platform = await startTestPlatform({
    kafkaBrokers: broker.brokers,
    redis: true,
    replicas: 2,
    // Both blog replicas look for due jobs twice a second: both are there when a post falls due.
    environment: { blog: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' } },
  });
  second = platform.replicas[0]!;
  for (const subgraph of subgraphs) {
    const url = platform.environments[subgraph.name]!.DATABASE_URL!;
    databases.set(subgraph.name, createDatabase({ url, poolMax: 2, applicationName: 'replicas-test' }));
  }
}, 240_000);

afterAll(async () => {
  for (const client of clients) await client.dispose();
  for (const database of databases.values()) await database.destroy();
  await platform?.stop();
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

const databaseOf = (service: string) => databases.get(service)!;

/** The platform as seen through the second gateway (for the harness's helpers). */
const throughSecond = (): TestPlatform => ({ ...platform, gatewayUrl: second.gatewayUrl, graphql: second.graphql });

interface Received<T> {
  next: T[];
  errors: unknown[];
}

/** Subscribes with `operation` over graphql-ws at `gatewayUrl`, collecting what arrives. */
function subscribe<T>(
  gatewayUrl: string,
  token: string,
  operation: string,
  variables: Record<string, unknown> = {},
): Received<T> {
  const client = createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  clients.push(client);
  const received: Received<T> = { next: [], errors: [] };
  client.subscribe(
    { query: contractOperation(operation), variables },
    {
      next: (value) => (value.data ? received.next.push(value.data as T) : received.errors.push(value.errors)),
      error: (error) => received.errors.push(error),
      complete: () => undefined,
    },
  );
  return received;
}

/** `events_consumed_total` of `consumer` on one replica's `service`, by outcome. */
async function consumed(subgraphUrl: string, consumer: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${subgraphUrl}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^events_consumed_total\{([^}]*)\} (\d+)/gm)) {
    const labels = new Map([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1]!, label[2]!]));
    if (labels.get('consumer') === consumer) counts[labels.get('outcome')!] = Number(match[2]);
  }
  return counts;
}

let adminToken: string;
let users: TestUser[] = [];

describe('two replicas of everything on one Kafka, Postgres and Redis', () => {
  it('delivers every audit event once to each client, on either gateway', { timeout: 60_000 }, async () => {
    adminToken = (await login(platform, platform.admin)).accessToken;
    const filter = { filter: { action: 'identity.user.registered' } };
    type AuditEvent = { auditEvents: { id: string; target: { id: string } } };
    const watchers = [
      subscribe<AuditEvent>(platform.gatewayUrl, adminToken, 'AuditEvents', filter),
      subscribe<AuditEvent>(platform.gatewayUrl, adminToken, 'AuditEvents', filter),
      subscribe<AuditEvent>(second.gatewayUrl, adminToken, 'AuditEvents', filter),
      subscribe<AuditEvent>(second.gatewayUrl, adminToken, 'AuditEvents', filter),
    ];
    // Live once a registration made now reaches all four (a subscription reaches audit through
    // its gateway's authorization and the subgraph's WebSocket: it takes a moment).
    await eventually(
      async () => {
        const probe = await registerUser(platform, 'probe');
        const arrived = () =>
          watchers.every((watcher) => watcher.next.some((value) => value.auditEvents.target.id === probe.id));
        for (let waited = 0; waited < 3000 && !arrived(); waited += 100) await sleep(100);
        return arrived();
      },
      'the subscriptions to be live',
      30_000,
    );

    // Registrations through both gateways: each replica's identity publishes some of them.
    users = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        registerUser(index % 2 === 0 ? platform : throughSecond(), `replica${index}`),
      ),
    );
    const registered = users.map((user) => user.id).sort();
    const ours = (watcher: (typeof watchers)[number]) =>
      watcher.next.filter((value) => registered.includes(value.auditEvents.target.id));
    await eventually(
      () => watchers.every((watcher) => ours(watcher).length >= registered.length),
      'every registration on every subscription',
      20_000,
    );
    await sleep(1000); // a redelivered event would arrive now
    for (const watcher of watchers) {
      expect(watcher.errors).toEqual([]);
      expect(
        ours(watcher)
          .map((value) => value.auditEvents.target.id)
          .sort(),
      ).toEqual(registered);
      expect(new Set(watcher.next.map((value) => value.auditEvents.id)).size).toBe(watcher.next.length);
    }
  });

  it('sells no seat twice: 40 concurrent holds on 15 seats through both gateways', { timeout: 60_000 }, async () => {
    const organizer = await signInOrganizer(platform);
    const { eventId, ticketTypeId } = await publishedEvent(platform, organizer.token, 15);
    // The second replica of bookings has the event too (it shares the database).
    const buyers = await Promise.all(users.slice(0, 4).map(async (user) => (await login(platform, user)).accessToken));
    const holds = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        (index % 2 === 0 ? platform : second).graphql<{ holdTickets: { booking: { status: string } } }>(
          contractOperation('HoldTickets'),
          { ticketTypeId, quantity: 1, idempotencyKey: randomUUID() },
          { token: buyers[index % buyers.length]! },
        ),
      ),
    );
    const held = holds.filter((hold) => hold.body.data?.holdTickets?.booking.status === 'HELD');
    const refused = holds.flatMap((hold) => errorCodes(hold));
    expect(held).toHaveLength(15);
    expect(refused).toEqual(Array.from({ length: 25 }, () => 'CONFLICT'));
    const rows = await databaseOf('bookings')('bookings')
      .where({ event_id: eventId, status: 'HELD' })
      .sum<{ seats: string }[]>('quantity as seats');
    expect(Number(rows[0]!.seats)).toBe(15);
  });

  it(
    'publishes a scheduled post once with both blog replicas polling, and notifies its author once per client',
    { timeout: 60_000 },
    async () => {
      const role = await platform.graphql<{ createRole: { role: { id: string } } }>(
        contractOperation('CreateRole'),
        { name: 'author', description: 'Writes blog posts', permissions: ['blog.post.create', 'blog.post.update'] },
        { token: adminToken },
      );
      expect(role.body.errors).toBeUndefined();
      const author = users[4]!;
      await platform.graphql(
        contractOperation('AssignRole'),
        { userId: author.id, roleId: role.body.data!.createRole.role.id },
        { token: adminToken },
      );
      const token = (await login(throughSecond(), author)).accessToken;
      type Added = { notificationAdded: { id: string; kind: string; body: string } };
      const inbox = [
        subscribe<Added>(platform.gatewayUrl, token, 'NotificationAdded'),
        subscribe<Added>(second.gatewayUrl, token, 'NotificationAdded'),
      ];
      const write = async (title: string) => {
        const created = await second.graphql<{ createPost: { post: { id: string } } }>(
          contractOperation('CreatePost'),
          { title, content: 'Once.', tags: ['replicas'] },
          { token },
        );
        expect(created.body.errors).toBeUndefined();
        return created.body.data!.createPost.post.id;
      };
      const about = (title: string) => (client: Received<Added>) =>
        client.next.filter((value) => value.notificationAdded.body.includes(`"${title}"`));
      // Live once a post published now reaches both clients (its notification comes from either
      // notifications replica, through Postgres NOTIFY to the other).
      await eventually(
        async () => {
          const title = `Probe ${randomUUID().slice(0, 8)}`;
          await platform.graphql(contractOperation('PublishPost'), { id: await write(title) }, { token });
          const arrived = () => inbox.every((client) => about(title)(client).length > 0);
          for (let waited = 0; waited < 3000 && !arrived(); waited += 100) await sleep(100);
          return arrived();
        },
        'the notification subscriptions to be live',
        30_000,
      );

      const title = 'Published by one replica';
      const postId = await write(title);
      const scheduled = await platform.graphql(
        contractOperation('SchedulePost'),
        { id: postId, publishAt: new Date(Date.now() + 1500).toISOString() },
        { token },
      );
      expect(scheduled.body.errors).toBeUndefined();

      const published = () =>
        databaseOf('blog')('outbox')
          .where({ key: postId })
          .whereRaw(`payload->>'type' = ?`, ['platform.blog.post.published.v1']);
      await eventually(async () => (await published()).length > 0, 'the scheduled publication', 15_000);
      await eventually(
        () => inbox.every((client) => about(title)(client).length > 0),
        "the author's notification on both gateways",
        15_000,
      );
      await sleep(2000); // both replicas poll four times more: a second run would show now
      expect(await published()).toHaveLength(1);
      for (const client of inbox) {
        expect(client.errors).toEqual([]);
        expect(about(title)(client).map((value) => value.notificationAdded.kind)).toEqual(['blog_post_published']);
        expect(new Set(client.next.map((value) => value.notificationAdded.id)).size).toBe(client.next.length);
      }
    },
  );

  it(
    'puts every outbox row on Kafka once and consumes every event once per consumer group, on both replicas',
    { timeout: 60_000 },
    async () => {
      // Every row published (by one relay or the other)…
      const outbox = new Map<string, { service: string; topic: string }>();
      await eventually(
        async () => {
          outbox.clear();
          let pending = 0;
          for (const [service, database] of databases) {
            if (!(await database.schema.hasTable('outbox'))) continue;
            const rows = await database('outbox').select<{ id: string; topic: string; published_at: Date | null }[]>(
              'id',
              'topic',
              'published_at',
            );
            for (const row of rows) {
              if (row.published_at === null) pending += 1;
              outbox.set(row.id, { service, topic: row.topic });
            }
          }
          return pending === 0;
        },
        'every outbox row published',
        20_000,
      );
      expect(outbox.size).toBeGreaterThan(30);

      // …is on its topic exactly once (read by a group of our own, from the oldest message).
      const topics = [...new Set([...outbox.values()].map((row) => row.topic))];
      const seen = new Map<string, number>();
      const observer = createKafkaTransport({
        brokers: broker.brokers,
        clientId: 'replicas-observer',
        logger: createLogger({ service: 'replicas-observer', level: 'warn' }),
      });
      const subscription = await observer.subscribe({
        groupId: `replicas-observer-${randomUUID()}`,
        topics,
        handle: async (message) => {
          const id = (JSON.parse(message.value) as { id: string }).id;
          seen.set(id, (seen.get(id) ?? 0) + 1);
        },
      });
      try {
        await eventually(() => [...outbox.keys()].every((id) => seen.has(id)), 'every outbox row on Kafka', 30_000);
        await sleep(1000);
      } finally {
        await subscription.stop();
        await observer.close();
      }
      const twice = [...seen].filter(([id, count]) => outbox.has(id) && count !== 1);
      expect(twice).toEqual([]);

      // Every consumer group has each event of its topics once in processed_events: the subgraphs'
      // groups (named after them) and audit's recording group, which reads every topic.
      const groups = subgraphs
        .filter((subgraph) => (subgraph.consumes ?? []).length > 0)
        .map((subgraph) => ({
          service: subgraph.name,
          group: subgraph.name,
          topics: new Set((subgraph.consumes as readonly EventType[]).map((type) => topicForType(type))),
        }));
      groups.push({ service: 'audit', group: 'audit.log', topics: new Set(topics) });
      for (const { service, group, topics: consumedTopics } of groups) {
        const expected = [...outbox].filter(([, row]) => consumedTopics.has(row.topic)).map(([id]) => id);
        if (expected.length === 0) continue;
        const rows = await eventually(
          async () => {
            const found = await databaseOf(service)('processed_events')
              .where({ consumer: group })
              .whereIn('event_id', expected)
              .select<{ event_id: string }[]>('event_id');
            return found.length >= expected.length ? found : undefined;
          },
          `${group}'s processed_events`,
          20_000,
        );
        expect(rows.map((row) => row.event_id).sort(), group).toEqual(expected.sort());
      }
      const recorded = await databaseOf('audit')('audit_log')
        .whereIn('event_id', [...outbox.keys()])
        .count<{ count: string }[]>('* as count');
      expect(Number(recorded[0]!.count)).toBe(outbox.size);

      // Both replicas of audit's recording group did part of the work, and no event was
      // applied twice between them.
      const [first, other] = await Promise.all([
        consumed(platform.subgraphUrls.audit!, 'audit.log'),
        consumed(second.subgraphUrls.audit!, 'audit.log'),
      ]);
      expect(first.applied ?? 0).toBeGreaterThan(0);
      expect(other.applied ?? 0).toBeGreaterThan(0);
      const processed = await databaseOf('audit')('processed_events')
        .where({ consumer: 'audit.log' })
        .count<{ count: string }[]>('* as count');
      expect((first.applied ?? 0) + (other.applied ?? 0)).toBe(Number(processed[0]!.count));
    },
  );

  it('keeps a gateway ready while a subgraph is down, and not while its Redis is', { timeout: 30_000 }, async () => {
    const closedPort = await freePort();
    const urls = platform.environments.gateway!.SUBGRAPH_URLS!.replace(
      /media=[^,]+/,
      `media=http://127.0.0.1:${closedPort}/graphql`,
    );
    const withoutMedia = await platform.startGatewayReplica({ SUBGRAPH_URLS: urls });
    const ready = await fetch(withoutMedia.gatewayUrl.replace(/\/graphql$/, '/readyz'));
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: { redis: boolean; subgraphs: Record<string, boolean> } };
    expect(body.checks.redis).toBe(true);
    expect(body.checks.subgraphs.media).toBe(false);
    expect(body.checks.subgraphs.identity).toBe(true);

    const withoutRedis = await platform.startGatewayReplica({ REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    const notReady = await fetch(withoutRedis.gatewayUrl.replace(/\/graphql$/, '/readyz'));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: 'not ready', checks: { supergraph: true, redis: false } });
  });
});
