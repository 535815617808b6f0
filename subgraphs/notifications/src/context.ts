/** What notifications' resolvers get per request: the kit's base context, the pool and the live feed. */
import type { BaseContext, Database } from '@platform/service-kit';
import type { LiveFeed } from './domain/live-feed.js';

export interface Context extends BaseContext {
  db: Database;
  feed: LiveFeed;
}

export function createContextFactory(services: { db: Database; feed: LiveFeed }) {
  return (base: BaseContext): Context => ({ ...base, ...services });
}
