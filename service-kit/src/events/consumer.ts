/**
 * Idempotent event consumers. Delivery is at-least-once (a relay or a consumer may crash
 * after acting and before recording it), so each consumer records the ids of the events it
 * applied in its own database, in the same transaction as the handler's changes:
 *
 *   parse + validate the envelope and data
 *   BEGIN
 *     INSERT INTO processed_events (consumer, event_id) ... ON CONFLICT DO NOTHING
 *     -- no row inserted: applied before, skip the handler
 *     handler(event, trx)
 *   COMMIT, then commit the offset
 *
 * `processed_events` comes from each consuming service's own migration. Its key is
 * (consumer, event_id) rather than the event id alone, so two consumers of one service sharing
 * a database each apply an event once.
 *
 * A poison message (not a valid event, or a handler that keeps failing) is logged and parked
 * on `<topic>.dlq` with the error, and the partition moves on. Kafka and the in-process bus
 * both call the same `handleMessage` below.
 *
 * Tracing: each message is handled inside a consumer span (`process <type>`) that continues
 * the trace its event carries (the CloudEvents `traceparent` extension the relay set), so the
 * handler's queries, and the events it writes in turn, belong to the trace of the change that
 * caused them. Messages are handled one at a time, so a span has one parent; an event without
 * trace context starts a trace of its own.
 */
import type { Knex } from 'knex';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { registerConsumerBacklog } from '../metrics.js';
import { contextFromCarrier, inSpan, serviceTracer, SpanKind } from '../telemetry/spans.js';
import { EventValidationError, parseEvent } from './envelope.js';
import { deadLetterTopic } from './topics.js';
import type { EventTransport, IncomingMessage, TransportSubscription } from './transport.js';
import type { AnyCloudEvent } from './types.js';

export const PROCESSED_EVENTS_TABLE = 'processed_events';

/**
 * Forgets events processed more than `olderThanMs` ago; returns how many. Keep at least the
 * topics' retention, or a replayed old message would be applied again.
 */
export async function pruneProcessedEvents(db: Knex, olderThanMs: number): Promise<number> {
  return db(PROCESSED_EVENTS_TABLE)
    .where('processed_at', '<', db.raw('now() - make_interval(secs => ?)', [olderThanMs / 1000]))
    .delete();
}

export type EventHandler = (event: AnyCloudEvent, trx: Knex.Transaction) => Promise<void>;

export interface EventConsumerOptions {
  /** Consumer group, and the `consumer` recorded in `processed_events`. */
  groupId: string;
  /** The consuming service: names the tracer of its spans; the group id by default. */
  service?: string;
  topics: readonly string[];
  /** The consuming service's own database. */
  db: Knex;
  /** Applies one event inside the deduplication transaction; throw to roll back (and retry). */
  handler: EventHandler;
  logger: Logger;
  transport: EventTransport;
  /** Tries of a failing handler before the message is dead-lettered; 3 by default. */
  maxAttempts?: number;
  /** Pause before the second try, doubled for each further one; 200 ms by default. */
  retryDelayMs?: number;
  /** Registers `events_consumed_total{consumer, outcome}`. */
  metrics?: { registry: Registry };
}

export interface EventConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the consumer receives messages (Kafka: joined its group). */
  readonly ready: Promise<void>;
}

export type ConsumeOutcome = 'applied' | 'duplicate' | 'dead_lettered';

/** Thrown by our own bookkeeping (not the handler): the message is delivered again, never dead-lettered. */
class InfrastructureError extends Error {
  override readonly name = 'InfrastructureError';
}

const MAX_DLQ_ERROR_LENGTH = 2_000;

export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const { db, handler, logger, transport, groupId } = options;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const retryDelayMs = options.retryDelayMs ?? 200;
  const log = logger.child({ consumer: groupId });
  const tracer = serviceTracer(options.service ?? groupId);

  const registry = options.metrics?.registry;
  const consumed = registry
    ? ((registry.getSingleMetric('events_consumed_total') as Counter<'consumer' | 'outcome'> | undefined) ??
      new Counter({
        name: 'events_consumed_total',
        help: 'Events received by consumers, by consumer and outcome (applied, duplicate, dead_lettered)',
        labelNames: ['consumer', 'outcome'],
        registers: [registry],
      }))
    : undefined;
  // The group's lag and its topics' dead letters, read from the transport when Prometheus scrapes.
  if (registry) registerConsumerBacklog(registry, { groupId, topics: options.topics, transport }, log);
  for (const outcome of ['applied', 'duplicate', 'dead_lettered'] as const)
    consumed?.inc({ consumer: groupId, outcome }, 0);

  /** One try: dedupe and handle in one transaction. True when applied, false for a duplicate. */
  async function applyOnce(event: AnyCloudEvent): Promise<boolean> {
    return db.transaction(async (trx) => {
      let inserted: unknown[];
      try {
        inserted = (
          await trx.raw<{ rows: unknown[] }>(
            `insert into ${PROCESSED_EVENTS_TABLE} (consumer, event_id) values (?, ?)
             on conflict do nothing returning event_id`,
            [groupId, event.id],
          )
        ).rows;
      } catch (error) {
        throw new InfrastructureError(`recording event ${event.id} as processed failed`, { cause: error });
      }
      if (inserted.length === 0) return false;
      await handler(event, trx);
      return true;
    });
  }

  async function deadLetter(message: IncomingMessage, reason: string, error: unknown, attempts: number) {
    const description = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(
      0,
      MAX_DLQ_ERROR_LENGTH,
    );
    await transport.publish([
      {
        topic: deadLetterTopic(message.topic),
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          'dlq-reason': reason,
          'dlq-error': description,
          'dlq-consumer': groupId,
          'dlq-attempts': String(attempts),
          'dlq-original-topic': message.topic,
          'dlq-original-partition': String(message.partition),
          'dlq-original-offset': message.offset,
          'dlq-failed-at': new Date().toISOString(),
        },
      },
    ]);
  }

  async function handleMessage(message: IncomingMessage): Promise<ConsumeOutcome> {
    const where = { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key };
    let event: AnyCloudEvent;
    try {
      event = parseEvent(message.value);
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      log.error({ ...where, err: error }, 'invalid event: parking it on the dead-letter topic');
      await deadLetter(message, 'invalid_event', error, 0);
      return 'dead_lettered';
    }
    const received = event;
    return inSpan(
      tracer,
      `process ${received.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromCarrier(received),
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': message.topic,
          'messaging.consumer.group.name': groupId,
          'messaging.message.id': received.id,
          'cloudevents.event_type': received.type,
        },
      },
      async (span) => {
        const outcome = await applyWithRetries(message, received, where);
        span.setAttribute('platform.consume_outcome', outcome);
        return outcome;
      },
    );
  }

  async function applyWithRetries(
    message: IncomingMessage,
    event: AnyCloudEvent,
    where: { topic: string; partition: number; offset: string; key: string | null },
  ): Promise<ConsumeOutcome> {
    const about = { ...where, eventId: event.id, eventType: event.type };
    for (let attempt = 1; ; attempt += 1) {
      try {
        const applied = await applyOnce(event);
        if (!applied) log.debug(about, 'event already processed: skipped');
        return applied ? 'applied' : 'duplicate';
      } catch (error) {
        // Our own database being unreachable is no reason to give up on a good message.
        if (error instanceof InfrastructureError) throw error;
        if (attempt >= maxAttempts) {
          log.error(
            { ...about, err: error, attempts: attempt },
            'event handler kept failing: parking the event on the dead-letter topic',
          );
          await deadLetter(message, 'handler_failed', error, attempt);
          return 'dead_lettered';
        }
        log.warn({ ...about, err: error, attempt }, 'event handler failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  let subscription: TransportSubscription | undefined;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  return {
    ready,
    async start() {
      if (subscription) return;
      subscription = await transport.subscribe({
        groupId,
        topics: options.topics,
        handle: async (message) => {
          const outcome = await handleMessage(message);
          consumed?.inc({ consumer: groupId, outcome });
        },
      });
      void subscription.ready.then(resolveReady);
      log.info({ topics: options.topics, transport: transport.kind }, 'event consumer started');
    },
    async stop() {
      const current = subscription;
      subscription = undefined;
      await current?.stop();
    },
  };
}
