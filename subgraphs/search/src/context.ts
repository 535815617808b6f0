/** What search resolvers get per request: the kit's base context, the search engine and the rebuild starter. */
import type { BaseContext } from '@platform/service-kit';
import type { SearchEngine } from './engine/port.js';
import type { Reindexer } from './reindex.js';

export interface Context extends BaseContext {
  engine: SearchEngine;
  reindexer: Reindexer;
}

export function createContextFactory(engine: SearchEngine, reindexer: Reindexer): (base: BaseContext) => Context {
  return (base) => ({ ...base, engine, reindexer });
}
