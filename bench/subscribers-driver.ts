/**
 * The subscriber side of `npm run bench -- subscriptions`, run as its own process so the
 * clients do not share an event loop with the platform they measure. It opens `subscribers`
 * graphql-ws clients to the gateway (in batches, so the gateway is not stormed), each
 * subscribing to the contract operation `AuditEvents` with `filter: { action }`, and prints
 * one JSON line once every client has its connection acknowledged:
 *
 *   {"type":"subscribed","subscribers":1000,"failed":0,"openMs":4123}
 *
 * From then on it records, for every event it receives, the receive time (`Date.now()`) and
 * the event's `occurredAt` (stamped by the producer when it wrote the event). Commands, one a
 * line on stdin, each answered with one JSON line on stdout:
 *
 *   reset <sinceMs>     forget what was recorded; ignore events that occurred before sinceMs
 *   progress            {"type":"progress", events, deliveries, subscribersWithEvents, …}: cheap
 *   report [cutoffMs]   {"type":"summary", …}: the full summary (below) of what was recorded
 *   stop                the summary, then exit (SIGTERM and the end of stdin do the same)
 *
 * The summary: subscribers connected, events seen per subscriber (min/max), total deliveries,
 * latency p50/p95/p99/max in ms (receive time − occurredAt, over every delivery), deliveries/s
 * (between the first and the last delivery), and how many events reached every connected
 * subscriber (`completeEvents`, and `completeByCutoff`: those whose last delivery came no
 * later than cutoffMs).
 *
 *   node --import tsx bench/subscribers-driver.ts '{"url":"ws://…/graphql","token":"…","subscribers":1000}'
 */
import { createInterface } from 'node:readline';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { percentile } from './percentile.js';

export interface SubscribersSpec {
  /** The gateway's WebSocket URL (ws://host:port/graphql). */
  url: string;
  /** An access token holding audit.log.read. */
  token: string;
  subscribers: number;
  /** The `AuditEvents` operation text. */
  query: string;
  /** The `filter.action` every subscriber asks for. */
  action: string;
  /** Clients opened at once (default 50). */
  batchSize?: number;
}

export interface SubscribersSubscribed {
  type: 'subscribed';
  subscribers: number;
  failed: number;
  openMs: number;
}

export interface SubscribersProgress {
  type: 'progress';
  /** Distinct events received by at least one subscriber. */
  events: number;
  deliveries: number;
  subscribersWithEvents: number;
  connected: number;
  errors: number;
}

export interface SubscribersSummary {
  type: 'summary';
  /** Clients whose connection was acknowledged and is still open. */
  connected: number;
  /** Subscriptions that ended with an error or completed (they stop receiving). */
  ended: number;
  errors: number;
  firstError?: string;
  events: number;
  deliveries: number;
  eventsPerSubscriber: { min: number; max: number };
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  /** Deliveries per second between the first and the last delivery recorded. */
  deliveriesPerSecond: number;
  /** Events that reached every connected subscriber. */
  completeEvents: number;
  /** Of those, the ones whose last delivery came no later than the cutoff (if one was given). */
  completeByCutoff: number;
  /** CPU seconds this process (the subscribers) used since the last reset. */
  cpuSeconds: number;
}

interface EventRecord {
  deliveries: number;
  lastReceived: number;
}

interface AuditEventsResult {
  data?: { auditEvents?: { id: string; occurredAt: string } | null } | null;
  errors?: unknown[];
}

async function runSubscribers(spec: SubscribersSpec): Promise<void> {
  const write = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const batchSize = spec.batchSize ?? 50;
  const clients: Client[] = [];
  const open = new Set<number>(); // subscriber indexes with an acknowledged, open connection
  const live = new Set<number>(); // subscriptions not ended
  let errors = 0;
  let firstError: string | undefined;

  // What was recorded since the last reset.
  let since = 0;
  let events = new Map<string, EventRecord>();
  let perSubscriber = new Array<number>(spec.subscribers).fill(0);
  let latencies: number[] = [];
  let firstDelivery = 0;
  let lastDelivery = 0;
  let cpuSince = process.cpuUsage();

  const noteError = (error: unknown) => {
    errors += 1;
    firstError ??= error instanceof Error ? error.message : JSON.stringify(error);
  };

  const receive = (index: number, value: AuditEventsResult) => {
    const received = Date.now();
    const event = value.data?.auditEvents;
    if (!event) {
      noteError(value.errors ?? value);
      return;
    }
    const occurredAt = Date.parse(event.occurredAt);
    if (occurredAt < since) return; // from before the current phase
    let record = events.get(event.id);
    if (!record) events.set(event.id, (record = { deliveries: 0, lastReceived: 0 }));
    record.deliveries += 1;
    record.lastReceived = received;
    perSubscriber[index]! += 1;
    latencies.push(received - occurredAt);
    if (firstDelivery === 0) firstDelivery = received;
    lastDelivery = received;
  };

  const openOne = (index: number) =>
    new Promise<boolean>((resolve) => {
      const client = createClient({
        url: spec.url,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${spec.token}` },
        retryAttempts: 0,
        connectionAckWaitTimeout: 60_000,
        on: {
          connected: () => {
            open.add(index);
            resolve(true);
          },
          closed: () => {
            open.delete(index);
            resolve(false);
          },
          error: (error) => {
            noteError(error);
            resolve(false);
          },
        },
      });
      clients.push(client);
      live.add(index);
      client.subscribe<AuditEventsResult['data']>(
        { query: spec.query, variables: { filter: { action: spec.action } } },
        {
          next: (value) => receive(index, value as AuditEventsResult),
          error: (error) => {
            live.delete(index);
            noteError(error);
          },
          complete: () => live.delete(index),
        },
      );
    });

  const started = performance.now();
  let failed = 0;
  for (let first = 0; first < spec.subscribers; first += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, spec.subscribers - first) }, (_, offset) =>
      openOne(first + offset),
    );
    failed += (await Promise.all(batch)).filter((ok) => !ok).length;
  }
  write({
    type: 'subscribed',
    subscribers: open.size,
    failed,
    openMs: Math.round(performance.now() - started),
  } satisfies SubscribersSubscribed);

  const connected = () => [...open].filter((index) => live.has(index)).length;

  const summary = (cutoff?: number): SubscribersSummary => {
    const sorted = Float64Array.from(latencies).sort();
    const values = Array.from(sorted);
    const counted = perSubscriber.filter((_, index) => open.has(index));
    const everyone = connected();
    const complete = [...events.values()].filter((record) => everyone > 0 && record.deliveries >= everyone);
    const round = (value: number) => Math.round(value * 10) / 10;
    const span = (lastDelivery - firstDelivery) / 1000;
    const cpu = process.cpuUsage(cpuSince);
    return {
      type: 'summary',
      connected: everyone,
      ended: spec.subscribers - live.size,
      errors,
      ...(firstError ? { firstError: firstError.slice(0, 500) } : {}),
      events: events.size,
      deliveries: latencies.length,
      eventsPerSubscriber: {
        min: counted.length ? Math.min(...counted) : 0,
        max: counted.length ? Math.max(...counted) : 0,
      },
      latencyMs: {
        p50: percentile(values, 0.5),
        p95: percentile(values, 0.95),
        p99: percentile(values, 0.99),
        max: values.at(-1) ?? 0,
        mean: round(values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length)),
      },
      deliveriesPerSecond: span > 0 ? Math.round(latencies.length / span) : latencies.length,
      completeEvents: complete.length,
      completeByCutoff:
        cutoff === undefined ? complete.length : complete.filter((record) => record.lastReceived <= cutoff).length,
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    };
  };

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    write(summary());
    // Closing a thousand sockets politely is not worth waiting for: the parent is done with us.
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const commands = createInterface({ input: process.stdin });
  commands.on('line', (line) => {
    const [command, argument] = line.trim().split(/\s+/);
    if (command === 'reset') {
      since = Number(argument ?? Date.now());
      events = new Map();
      perSubscriber = new Array<number>(spec.subscribers).fill(0);
      latencies = [];
      firstDelivery = 0;
      lastDelivery = 0;
      cpuSince = process.cpuUsage();
      write({ type: 'reset' });
    } else if (command === 'progress') {
      write({
        type: 'progress',
        events: events.size,
        deliveries: latencies.length,
        subscribersWithEvents: perSubscriber.filter((count) => count > 0).length,
        connected: connected(),
        errors,
      } satisfies SubscribersProgress);
    } else if (command === 'report') {
      write(summary(argument === undefined ? undefined : Number(argument)));
    } else if (command === 'stop') {
      stop();
    }
  });
  // The parent went away: do not linger with a thousand open sockets.
  commands.on('close', stop);
}

if (process.argv[1]?.endsWith('subscribers-driver.ts')) {
  await runSubscribers(JSON.parse(process.argv[2] ?? '{}') as SubscribersSpec);
}
