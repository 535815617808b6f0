/**
 * Rebuilding the index from scratch out of what listings exposes: every event's current
 * snapshot, paged by id from `POST /internal/events/snapshots` on listings' internal API
 * (service credential), handed to the engine's `rebuild`, which stages a fresh index and swaps
 * it in while keeping whatever newer the live index received meanwhile.
 */
import type { InternalClient } from '@platform/service-kit';
import type { EventDataByType } from '@platform/service-kit/events';
import type { IndexedEvent, RebuildReport, SearchEngine } from './engine/port.js';
import { indexedEventOf } from './listings-events.js';

type EventSnapshot = EventDataByType['platform.listings.event.created.v1']['event'];

const PAGE_SIZE = 500;

/** Every event listings has, page by page, as search indexes it. */
async function* listingsSnapshots(listings: InternalClient, pageSize = PAGE_SIZE): AsyncGenerator<IndexedEvent[]> {
  let after: string | null = null;
  do {
    const page: { events: EventSnapshot[]; next: string | null } = await listings.post('internal/events/snapshots', {
      after,
      limit: pageSize,
    });
    yield page.events.map(indexedEventOf);
    after = page.next;
  } while (after !== null);
}

/** Rebuilds `engine`'s index from listings; see the engine port's `rebuild`. */
export function reindexFromListings(engine: SearchEngine, listings: InternalClient | null): Promise<RebuildReport> {
  if (!listings) {
    return Promise.reject(
      new Error('LISTINGS_INTERNAL_URL and LISTINGS_INTERNAL_CREDENTIAL are not set: search cannot read listings'),
    );
  }
  return engine.rebuild(listingsSnapshots(listings));
}
