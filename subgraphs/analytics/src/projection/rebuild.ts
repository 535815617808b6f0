/**
 * A rebuild of the whole projection into a fresh database: migrate it, note where each
 * projected topic ends now, replay every topic from its start under a consumer group never
 * used before (`createReplayConsumer`), and return once that group has read up to those ends.
 * What `npm run analytics:rebuild` runs. Events published meanwhile land too (they come after
 * the noted ends); the handlers merge any order and repetition into the same rows.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, sqlOn, type Database, type Logger } from '@platform/service-kit';
import { createKafkaTransport, topicForType } from '@platform/service-kit/events';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import { createReplayConsumer, PROJECTED_EVENTS } from './handlers.js';

export interface RebuildReport {
  groupId: string;
  /** The projected topics that exist, each read to its end. */
  topics: string[];
  /** Messages on those topics when the rebuild began (duplicates and dead letters included). */
  messages: number;
  /** Distinct events the fresh projection applied. */
  applied: number;
  ms: number;
}

const MIGRATIONS = fileURLToPath(new URL('../../../../migrations/analytics/', import.meta.url));

export async function rebuildProjection(options: {
  brokers: readonly string[];
  /** The fresh database to build into (migrated here; refused when it already holds a projection). */
  db: Database;
  logger: Logger;
  groupId?: string;
  /** How long the replay may take to reach the noted ends; 10 minutes by default. */
  timeoutMs?: number;
}): Promise<RebuildReport> {
  const started = performance.now();
  const { db, logger } = options;
  const groupId = options.groupId ?? `analytics-rebuild-${randomUUID()}`;
  await migrateToLatest(db, MIGRATIONS);
  const count = async () =>
    (await sqlOn(db).first(z.object({ n: z.coerce.number() }), 'select count(*) as n from processed_events'))!.n;
  if ((await count()) > 0) {
    throw new Error('the target database already holds a projection: rebuild into a new, empty database');
  }

  const admin = new Kafka({
    clientId: 'analytics-rebuild',
    brokers: [...options.brokers],
    logLevel: logLevel.ERROR,
  }).admin();
  await admin.connect();
  const transport = createKafkaTransport({ brokers: options.brokers, clientId: 'analytics-rebuild', logger });
  const replay = createReplayConsumer({ db, transport, logger, groupId });
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [...new Set(PROJECTED_EVENTS.map((type) => topicForType(type)))].filter((topic) =>
      existing.has(topic),
    );
    const ends = new Map<string, bigint>();
    let messages = 0n;
    for (const topic of topics) {
      for (const partition of await admin.fetchTopicOffsets(topic)) {
        ends.set(`${topic}:${partition.partition}`, BigInt(partition.high));
        messages += BigInt(partition.high) - BigInt(partition.low);
      }
    }
    await replay.start();
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const committed = await admin.fetchOffsets({ groupId, topics });
      const behind = committed.flatMap(({ topic, partitions }) =>
        partitions.filter(({ partition, offset }) => {
          const end = ends.get(`${topic}:${partition}`) ?? 0n;
          return end > 0n && BigInt(offset) < end;
        }),
      );
      if (behind.length === 0) break;
      if (Date.now() > deadline) {
        throw new Error(`the replay did not reach the end of the topics in time (${behind.length} partitions behind)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return {
      groupId,
      topics,
      messages: Number(messages),
      applied: await count(),
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await replay.stop();
    await transport.close();
    await admin.disconnect();
  }
}
