/**
 * The in-process live feed of recorded audit events: a small pub/sub whose subscriptions
 * are async iterators (what a GraphQL `subscribe` resolver returns). Recording publishes
 * each new row after its commit; a consumer of the platform's event bus can publish too.
 *
 * A subscriber that falls more than `bufferSize` events behind is ended with
 * {@link AuditStreamOverflowError} rather than letting its queue grow without bound; the
 * client resubscribes and reads what it missed from `auditLogs`.
 */
import type { AuditEventModel } from '../mappers.js';

/** The subscriber did not keep up and was dropped. */
export class AuditStreamOverflowError extends Error {
  constructor(bufferSize: number) {
    super(`the subscriber fell more than ${bufferSize} audit events behind and was dropped`);
    this.name = 'AuditStreamOverflowError';
  }
}

/** Which events a subscription wants; every field given must match. */
export interface AuditStreamFilter {
  action?: string | null;
  outcome?: AuditEventModel['outcome'] | null;
  actorId?: string | null;
}

function matchesFilter(event: AuditEventModel, filter: AuditStreamFilter = {}): boolean {
  if (filter.action != null && event.action !== filter.action) return false;
  if (filter.outcome != null && event.outcome !== filter.outcome) return false;
  if (filter.actorId != null && event.actorId !== filter.actorId.toLowerCase()) return false;
  return true;
}

export interface AuditStream {
  /** Hands `event` to every subscription whose filter it matches. */
  publish(event: AuditEventModel): void;
  /**
   * A subscription: yields matching events published from now on, until `return()` is
   * called, `signal` aborts, or the stream is closed.
   */
  subscribe(filter?: AuditStreamFilter, options?: { signal?: AbortSignal }): AsyncIterableIterator<AuditEventModel>;
  /** How many subscriptions are open. */
  readonly size: number;
  /** Ends every subscription (at shutdown). */
  close(): void;
}

interface Subscriber {
  filter: AuditStreamFilter;
  push(event: AuditEventModel): void;
  end(error?: Error): void;
}

export function createAuditStream(options: { bufferSize?: number } = {}): AuditStream {
  const bufferSize = options.bufferSize ?? 1000;
  const subscribers = new Set<Subscriber>();

  return {
    publish(event) {
      for (const subscriber of [...subscribers]) {
        if (matchesFilter(event, subscriber.filter)) subscriber.push(event);
      }
    },
    get size() {
      return subscribers.size;
    },
    close() {
      for (const subscriber of [...subscribers]) subscriber.end();
    },
    subscribe(filter = {}, subscribeOptions = {}) {
      const queue: AuditEventModel[] = [];
      let waiting: {
        resolve: (result: IteratorResult<AuditEventModel>) => void;
        reject: (error: Error) => void;
      } | null = null;
      let done = false;
      let failure: Error | null = null;

      const onAbort = () => subscriber.end();
      const subscriber: Subscriber = {
        filter: { ...filter },
        push(event) {
          if (done) return;
          if (waiting) {
            const pending = waiting;
            waiting = null;
            pending.resolve({ value: event, done: false });
            return;
          }
          if (queue.length >= bufferSize) {
            subscriber.end(new AuditStreamOverflowError(bufferSize));
            return;
          }
          queue.push(event);
        },
        end(error) {
          if (done) return;
          done = true;
          subscribers.delete(subscriber);
          subscribeOptions.signal?.removeEventListener('abort', onAbort);
          // Events already queued are still delivered; the error (if any) comes after them.
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

      const iterator: AsyncIterableIterator<AuditEventModel> = {
        next() {
          const event = queue.shift();
          if (event) return Promise.resolve({ value: event, done: false });
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
