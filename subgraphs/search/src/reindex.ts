/**
 * Rebuilding the index from scratch out of what listings exposes: every event's current
 * snapshot, paged by id from `POST /internal/events/snapshots` on listings' internal API
 * (service credential), handed to the engine's `rebuild`, which stages a fresh index and swaps
 * it in while keeping whatever newer the live index received meanwhile. The command runs it to
 * the end (`reindexFromListings`); the admin mutation starts it in the background (`createReindexer`).
 */
import type { InternalClient, Logger } from '@platform/service-kit';
import type { EventDataByType } from '@platform/service-kit/events';
import type { IndexedEvent, RebuildReport, SearchEngine } from './engine/port.js';
import { indexedEventOf } from './listings-events.js';

type EventSnapshot = EventDataByType['platform.listings.event.created.v1']['event'];

const PAGE_SIZE = 500;

/** Every event listings has, page by page, as search indexes it; stops with an error once `signal` aborts. */
async function* listingsSnapshots(
  listings: InternalClient,
  signal?: AbortSignal,
  pageSize = PAGE_SIZE,
): AsyncGenerator<IndexedEvent[]> {
  let after: string | null = null;
  do {
    signal?.throwIfAborted();
    const page: { events: EventSnapshot[]; next: string | null } = await listings.post('internal/events/snapshots', {
      after,
      limit: pageSize,
    });
    yield page.events.map(indexedEventOf);
    after = page.next;
  } while (after !== null);
}

/** Rebuilds `engine`'s index from listings; see the engine port's `rebuild`. */
export function reindexFromListings(
  engine: SearchEngine,
  listings: InternalClient | null,
  options: { signal?: AbortSignal; started?: () => void } = {},
): Promise<RebuildReport> {
  if (!listings) {
    return Promise.reject(
      new Error('LISTINGS_INTERNAL_URL and LISTINGS_INTERNAL_CREDENTIAL are not set: search cannot read listings'),
    );
  }
  return engine.rebuild(listingsSnapshots(listings, options.signal), options.started);
}

export interface Reindexer {
  /**
   * Starts a rebuild in the background and answers once it holds the rebuild lock; rejects
   * (`RebuildRunningError`) when another rebuild holds it, here, on another replica or in the
   * command. The rebuild's outcome is logged.
   */
  start(): Promise<{ startedAt: Date }>;
  /** Abandons a running rebuild (its transaction rolls back, the live index stays) and waits for it. */
  stop(): Promise<void>;
}

export function createReindexer(engine: SearchEngine, listings: InternalClient | null, logger: Logger): Reindexer {
  const stopping = new AbortController();
  const running = new Set<Promise<unknown>>();
  return {
    start() {
      return new Promise((resolve, reject) => {
        let startedAt: Date | null = null;
        const began = performance.now();
        const run = reindexFromListings(engine, listings, {
          signal: stopping.signal,
          started: () => {
            startedAt = new Date();
            logger.info({ engine: engine.name }, 'search index rebuild started');
            resolve({ startedAt });
          },
        }).then(
          (report) =>
            logger.info(
              { engine: engine.name, ...report, ms: Math.round(performance.now() - began) },
              'search index rebuilt',
            ),
          (error: Error) => {
            // Refused or failed before it began: the caller hears why; later, only the log does.
            if (!startedAt) reject(error);
            else if (!stopping.signal.aborted) logger.error({ err: error }, 'search index rebuild failed');
          },
        );
        running.add(run);
        void run.finally(() => running.delete(run));
      });
    },
    async stop() {
      stopping.abort();
      await Promise.all(running);
    },
  };
}
