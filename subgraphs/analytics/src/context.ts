/**
 * What analytics resolvers get per request: the kit's base context, the projection's reads
 * and a per-request loader of events' snapshots (N `Event.sales` cost one query).
 */
import type { BaseContext } from '@platform/service-kit';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import type { Knex } from 'knex';
import { isUuid } from './domain/ids.js';
import { createFiguresStore, type EventFacts, type FiguresStore } from './stores/figures-store.js';

export interface Context extends BaseContext {
  figures: FiguresStore;
  /** Events analytics knows from listings' snapshots, by id; null for an unknown one. */
  eventFacts: DataLoader<string, EventFacts | null>;
  /** The instant the request's figures are taken at (active holds are the unexpired ones). */
  now: Date;
}

export function createContextFactory(db: Knex): (base: BaseContext) => Context {
  const figures = createFiguresStore(db);
  return (base) => ({
    ...base,
    figures,
    eventFacts: new DataLoader<string, EventFacts | null>(
      async (ids) => {
        const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
        const found = new Map((await figures.eventFacts(valid)).map((facts) => [facts.eventId, facts]));
        return ids.map((id) => found.get(id.toLowerCase()) ?? null);
      },
      { cacheMap: loaderCache('eventFacts') },
    ),
    now: new Date(),
  });
}
