/** `Query.events`: published events (ended ones too) by start, then id; keyset-paginated. */
import { connection, decodeCursor, encodeCursor, pageSize } from '../../domain/pages.js';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

const isInstant = (key: string) => !Number.isNaN(new Date(key).getTime());

export const events: QueryResolvers['events'] = async (_parent, { first, after }, context) => {
  const size = pageSize(first);
  const position = decodeCursor(after, isInstant);
  const rows = await context.stores.events.publishedPage(
    position ? { startsAt: new Date(position.key), id: position.id } : null,
    size + 1,
  );
  for (const row of rows) context.eventById.prime(row.id, row);
  return connection(rows, size, (row) => encodeCursor(row.startsAt.toISOString(), row.id));
};
