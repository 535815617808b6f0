/** The search subgraph's resolver map: one file per field, assembled here. */
import { DateTime } from '@platform/service-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { startSearchReindex } from './Mutation/startSearchReindex.js';
import { searchEvents } from './Query/searchEvents.js';
import { suggestEvents } from './Query/suggestEvents.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: { searchEvents, suggestEvents },
  Mutation: { startSearchReindex },
};
