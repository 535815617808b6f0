/**
 * An in-process fan-out for GraphQL subscriptions: `publish` hands an item to every
 * subscription whose predicate matches; each subscription is an async iterator (what a
 * `subscribe` resolver returns). Every subgraph with a live feed (audit's events, bookings'
 * availability, notifications) feeds one of these from wherever its items come from (the
 * event bus, Postgres NOTIFY, a commit).
 *
 * A subscriber that falls more than `bufferSize` items behind is ended with the error
 * `overflowError` makes, rather than letting its queue grow without bound; the client
 * resubscribes and reads what it missed from a query.
 *
 * Each item remembers the trace it was published in ({@link publishedTrace}): the subgraph's
 * graphql-ws server sends it with the event, and the gateway continues it for the event's
 * entity fetches, so a live event sits in the trace of the change (or Kafka event) behind it.
 */
import { traceCarrierOf, type TraceCarrier } from './telemetry/spans.js';

/** The trace each published item (an object) was published in; a WeakMap: it lives as long as the item. */
const publishedTraces = new WeakMap<object, TraceCarrier>();

/** The trace context active when `item` was published by a fan-out; undefined when none was. */
export function publishedTrace(item: unknown): TraceCarrier | undefined {
  return typeof item === 'object' && item !== null ? publishedTraces.get(item) : undefined;
}

export interface FanOut<T> {
  /**
   * Hands `item` to every subscription whose predicate matches it, in `trace` (what a received
   * event carries: its `traceparent`), or else in the trace active now.
   */
  publish(item: T, trace?: TraceCarrier): void;
  /**
   * A subscription: yields matching items published from now on, until `return()` is called,
   * `signal` aborts, or the fan-out is closed.
   */
  subscribe(matches: (item: T) => boolean, options?: { signal?: AbortSignal }): AsyncIterableIterator<T>;
  /** How many subscriptions are open. */
  readonly size: number;
  /** Ends every subscription (at shutdown). */
  close(): void;
}

interface Subscriber<T> {
  matches(item: T): boolean;
  push(item: T): void;
  end(error?: Error): void;
}

export function createFanOut<T>(options: {
  bufferSize?: number;
  overflowError: (bufferSize: number) => Error;
}): FanOut<T> {
  const bufferSize = options.bufferSize ?? 1000;
  const subscribers = new Set<Subscriber<T>>();

  return {
    publish(item, given) {
      const trace = given
        ? { traceparent: given.traceparent, ...(given.tracestate ? { tracestate: given.tracestate } : {}) }
        : traceCarrierOf();
      if (trace.traceparent && typeof item === 'object' && item !== null) publishedTraces.set(item, trace);
      for (const subscriber of [...subscribers]) {
        if (subscriber.matches(item)) subscriber.push(item);
      }
    },
    get size() {
      return subscribers.size;
    },
    close() {
      for (const subscriber of [...subscribers]) subscriber.end();
    },
    subscribe(matches, subscribeOptions = {}) {
      const queue: T[] = [];
      let waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
      let done = false;
      let failure: Error | null = null;

      const onAbort = () => subscriber.end();
      const subscriber: Subscriber<T> = {
        matches,
        push(item) {
          if (done) return;
          if (waiting) {
            const pending = waiting;
            waiting = null;
            pending.resolve({ value: item, done: false });
            return;
          }
          if (queue.length >= bufferSize) {
            subscriber.end(options.overflowError(bufferSize));
            return;
          }
          queue.push(item);
        },
        end(error) {
          if (done) return;
          done = true;
          subscribers.delete(subscriber);
          subscribeOptions.signal?.removeEventListener('abort', onAbort);
          // Items already queued are still delivered; the error (if any) comes after them.
          failure = error ?? null;
          if (waiting) {
            const pending = waiting;
            waiting = null;
            if (failure) pending.reject(failure);
            else pending.resolve({ value: undefined, done: true });
            failure = null;
          }
        },
      };

      if (subscribeOptions.signal?.aborted) done = true;
      else {
        subscribers.add(subscriber);
        subscribeOptions.signal?.addEventListener('abort', onAbort, { once: true });
      }

      const iterator: AsyncIterableIterator<T> = {
        next() {
          const item = queue.shift();
          if (item !== undefined) return Promise.resolve({ value: item, done: false });
          if (failure) {
            const error = failure;
            failure = null;
            queue.length = 0;
            return Promise.reject(error);
          }
          if (done) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve, reject) => {
            waiting = { resolve, reject };
          });
        },
        return() {
          subscriber.end();
          queue.length = 0;
          failure = null;
          return Promise.resolve({ value: undefined, done: true });
        },
        throw(error?: unknown) {
          subscriber.end();
          queue.length = 0;
          failure = null;
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
  };
}
