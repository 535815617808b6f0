/** `Query.venues`: every venue by name (byte order), then id; keyset-paginated. */
import { connection, decodeCursor, encodeCursor, pageSize } from '../../domain/pages.js';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const venues: QueryResolvers['venues'] = async (_parent, { first, after }, context) => {
  const size = pageSize(first);
  const position = decodeCursor(after, () => true);
  const rows = await context.stores.venues.page(position ? { name: position.key, id: position.id } : null, size + 1);
  for (const row of rows) context.venueById.prime(row.id, row);
  return connection(rows, size, (row) => encodeCursor(row.name, row.id));
};
