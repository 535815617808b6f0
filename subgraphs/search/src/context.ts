/** What search resolvers get per request: the kit's base context and the search engine. */
import type { BaseContext } from '@platform/service-kit';
import type { SearchEngine } from './engine/port.js';

export interface Context extends BaseContext {
  engine: SearchEngine;
}

export function createContextFactory(engine: SearchEngine): (base: BaseContext) => Context {
  return (base) => ({ ...base, engine });
}
