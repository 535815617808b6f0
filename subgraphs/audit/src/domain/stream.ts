/**
 * The in-process live feed of recorded audit events: the kit's fan-out, filtered by
 * action, outcome and actor. Recording publishes
 * each new row after its commit; a consumer of the platform's event bus can publish too.
 *
 * A subscriber that falls more than `bufferSize` events behind is ended with
 * {@link AuditStreamOverflowError} rather than letting its queue grow without bound; the
 * client resubscribes and reads what it missed from `auditLogs`.
 */
import { createFanOut } from '@platform/service-kit';
import type { TraceCarrier } from '@platform/service-kit/telemetry';
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
  /** Hands `event` to every subscription whose filter it matches, in `trace` (the received event's) or the active one. */
  publish(event: AuditEventModel, trace?: TraceCarrier): void;
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

export function createAuditStream(options: { bufferSize?: number } = {}): AuditStream {
  const fanOut = createFanOut<AuditEventModel>({
    ...options,
    overflowError: (bufferSize) => new AuditStreamOverflowError(bufferSize),
  });
  return {
    publish: (event, trace) => fanOut.publish(event, trace),
    subscribe: (filter = {}, subscribeOptions) => {
      const wanted = { ...filter };
      return fanOut.subscribe((event) => matchesFilter(event, wanted), subscribeOptions);
    },
    get size() {
      return fanOut.size;
    },
    close: () => fanOut.close(),
  };
}
