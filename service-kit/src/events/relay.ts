/**
 * The outbox relay: publishes what services enqueued (`outbox.ts`) and marks it sent.
 *
 * Each round claims a batch of due rows with `SELECT ... FOR UPDATE SKIP LOCKED` in a
 * transaction, publishes them, marks them `published_at` and commits; so relays on several
 * replicas share the work and never publish the same row at the same time. A failed
 * publish records `attempts` and `last_error` and pushes `available_at` back exponentially;
 * the row stays until it is published. A relay that dies after publishing but before its
 * commit leaves the rows unpublished, and the next round publishes them again: delivery is
 * at-least-once, and consumers deduplicate by event id (`consumer.ts`).
 *
 * Order: a row is only published once every earlier unpublished row with the same key is
 * published (or published in the same batch), so one aggregate's events reach Kafka in the
 * order they were written even across replicas and failures.
 *
 * Tracing: a row written inside a trace is published inside it, by a producer span
 * (`publish <topic>`) child of the change that wrote it, and goes out with that span's
 * context as the CloudEvents `traceparent` extension. One round publishes rows of many
 * traces: each row gets its own span in its own trace.
 */
import type { Knex } from 'knex';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { registerOutboxAgeMetric } from '../metrics.js';
import {
  contextFromCarrier,
  recordFailure,
  serviceTracer,
  SpanKind,
  traceCarrierOf,
  type Span,
} from '../telemetry/spans.js';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OUTBOX_TABLE, countPendingOutbox, outboxCommits, outboxDatabaseOf, prunePublishedOutbox } from './outbox.js';
import type { EventPublisher } from './transport.js';

export interface OutboxRelayOptions {
  db: Knex;
  /** The publishing service: names the tracer of the relay's spans. */
  service?: string;
  publisher: EventPublisher;
  logger: Logger;
  /** Registers `outbox_pending`, `outbox_oldest_pending_age_seconds`, `outbox_published_total` and `outbox_publish_failures_total`. */
  metrics?: { registry: Registry };
  /** Rows claimed per round; 100 by default. */
  batchSize?: number;
  /** Pause when there was nothing (more) to publish; 500 ms by default. */
  pollIntervalMs?: number;
  /** Back-off after a failed publish: `initialMs * 2^(attempts - 1)`, at most `maxMs`; 1 s and 5 min by default. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Published rows are deleted this long after publication; 24 h by default. */
  retainPublishedMs?: number;
}

export interface DrainResult {
  /** Rows locked by this round. */
  claimed: number;
  published: number;
  /** Claimed but left for later: an earlier row of the same key is not published yet. */
  deferred: number;
  /** Claimed rows whose publish failed (now backing off). */
  failed: number;
}

export interface OutboxRelay {
  /** Starts the polling loop (idempotent). */
  start(): void;
  /** Stops polling and waits for the round under way. */
  stop(): Promise<void>;
  /** One round: claim, publish, mark. */
  drainOnce(): Promise<DrainResult>;
  /** Runs the next round now instead of after the poll interval (e.g. right after a commit). */
  wake(): void;
}

interface ClaimedRow {
  id: string;
  seq: number;
  topic: string;
  key: string;
  payload: string;
  traceparent: string | null;
  tracestate: string | null;
}

const MAX_ERROR_LENGTH = 2_000;
const PRUNE_EVERY_MS = 10 * 60_000;

function metricOnce<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, publisher, logger } = options;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const initialBackoffMs = options.backoff?.initialMs ?? 1_000;
  const maxBackoffMs = options.backoff?.maxMs ?? 5 * 60_000;
  const retainPublishedMs = options.retainPublishedMs ?? 24 * 60 * 60_000;
  const tracer = serviceTracer(options.service ?? 'relay');

  /** The producer span of a traced row, and the message carrying its context; untraced rows go as they are. */
  function outgoing(row: ClaimedRow): { span: Span | null; value: string } {
    if (!row.traceparent) return { span: null, value: row.payload };
    const span = tracer.startSpan(
      `publish ${row.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': row.topic,
          'messaging.message.id': row.id,
        },
      },
      contextFromCarrier({ traceparent: row.traceparent, ...(row.tracestate ? { tracestate: row.tracestate } : {}) }),
    );
    const carrier = traceCarrierOf(trace.setSpan(ROOT_CONTEXT, span));
    if (!carrier.traceparent) return { span, value: row.payload };
    const event = JSON.parse(row.payload) as Record<string, unknown>;
    return { span, value: JSON.stringify({ ...event, ...carrier }) };
  }

  const registry = options.metrics?.registry;
  const published = registry
    ? metricOnce(
        registry,
        'outbox_published_total',
        () =>
          new Counter({
            name: 'outbox_published_total',
            help: 'Outbox events published, by topic',
            labelNames: ['topic'],
            registers: [registry],
          }),
      )
    : undefined;
  const failures = registry
    ? metricOnce(
        registry,
        'outbox_publish_failures_total',
        () =>
          new Counter({
            name: 'outbox_publish_failures_total',
            help: 'Outbox publish rounds that failed (their rows are retried with back-off)',
            registers: [registry],
          }),
      )
    : undefined;
  if (registry) {
    metricOnce(
      registry,
      'outbox_pending',
      () =>
        new Gauge({
          name: 'outbox_pending',
          help: 'Outbox events not yet published (read at scrape time)',
          registers: [registry],
          async collect() {
            try {
              this.set(await countPendingOutbox(db));
            } catch (error) {
              logger.warn({ err: error }, 'could not count pending outbox rows');
            }
          },
        }),
    );
    registerOutboxAgeMetric(registry, db, logger);
  }

  async function drainOnce(): Promise<DrainResult> {
    return db.transaction(async (trx) => {
      // The batch, and for each row the first unpublished row of its key that this round did
      // not claim (locked by another relay, or backing off): nothing after it may overtake it.
      // One statement, so a round is four round trips with its BEGIN, mark and COMMIT.
      const claimed = (
        await trx.raw<{ rows: (ClaimedRow & { blocked_from: number | string | null })[] }>(
          `with claimed as (
             select id, seq, topic, key, payload, traceparent, tracestate
               from ${OUTBOX_TABLE}
              where published_at is null and available_at <= now()
              order by seq
              limit ?
                for update skip locked
           )
           select c.id, c.seq, c.topic, c.key, c.payload::text as payload, c.traceparent, c.tracestate,
                  (select min(o.seq) from ${OUTBOX_TABLE} as o
                    where o.published_at is null and o.key = c.key
                      and o.id not in (select id from claimed)) as blocked_from
             from claimed as c
            order by c.seq`,
          [batchSize],
        )
      ).rows;
      if (claimed.length === 0) return { claimed: 0, published: 0, deferred: 0, failed: 0 };

      const due = claimed.filter((row) => row.blocked_from === null || Number(row.seq) < Number(row.blocked_from));
      const deferred = claimed.length - due.length;
      if (due.length === 0) return { claimed: claimed.length, published: 0, deferred, failed: 0 };

      const dueIds = due.map((row) => row.id);
      const messages = due.map((row) => ({ row, ...outgoing(row) }));
      const endSpans = (error?: unknown) => {
        for (const { span } of messages) {
          if (!span) continue;
          if (error !== undefined) recordFailure(span, error);
          span.end();
        }
      };
      try {
        await publisher.publish(messages.map(({ row, value }) => ({ topic: row.topic, key: row.key, value })));
        endSpans();
      } catch (error) {
        endSpans(error);
        const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(
          0,
          MAX_ERROR_LENGTH,
        );
        await trx.raw(
          `update ${OUTBOX_TABLE}
              set attempts = attempts + 1,
                  last_error = ?,
                  available_at = now() + make_interval(secs => least(?::float8, ?::float8 * power(2, least(attempts, 30))) / 1000)
            where id in (select jsonb_array_elements_text(?::jsonb)::uuid)`,
          [message, maxBackoffMs, initialBackoffMs, JSON.stringify(dueIds)],
        );
        failures?.inc();
        logger.warn({ err: error, events: due.length }, 'publishing outbox events failed; retrying with back-off');
        return { claimed: claimed.length, published: 0, deferred, failed: due.length };
      }
      await trx.raw(
        `update ${OUTBOX_TABLE} set published_at = now(), last_error = null
          where id in (select jsonb_array_elements_text(?::jsonb)::uuid)`,
        [JSON.stringify(dueIds)],
      );
      for (const row of due) published?.inc({ topic: row.topic });
      return { claimed: claimed.length, published: due.length, deferred, failed: 0 };
    });
  }

  let running: Promise<void> | undefined;
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let wakeRequested = false;
  let lastPrune = Date.now();

  function pause(ms: number): Promise<void> {
    if (wakeRequested) {
      wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      let result: DrainResult | undefined;
      try {
        result = await drainOnce();
        if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          const pruned = await prunePublishedOutbox(db, retainPublishedMs);
          if (pruned > 0) logger.debug({ pruned }, 'pruned published outbox rows');
        }
      } catch (error) {
        logger.error({ err: error }, 'outbox relay round failed');
      }
      if (stopping) break;
      // A full batch that went out means more may be waiting: go again at once.
      const more = result !== undefined && result.published > 0 && result.claimed === batchSize;
      if (!more) await pause(pollIntervalMs);
    }
  }

  const wake = () => {
    if (wakeUp) wakeUp();
    else wakeRequested = true;
  };
  const database = outboxDatabaseOf(db);
  // Only commits on this relay's database have rows for it.
  const wakeOnCommit = (committedIn: object) => {
    if (committedIn === database) wake();
  };

  return {
    start() {
      if (running) return;
      stopping = false;
      // Events committed in this process go out at once; the poll covers the rest.
      outboxCommits.on('commit', wakeOnCommit);
      running = loop().finally(() => (running = undefined));
    },
    async stop() {
      stopping = true;
      outboxCommits.off('commit', wakeOnCommit);
      wakeUp?.();
      await running;
    },
    drainOnce,
    wake,
  };
}
