/**
 * The shape of every batched lookup here: rows for many keys (role ids, user ids) in one
 * query, answered as one list per key asked for, which is what the DataLoaders need.
 */

/**
 * `rows` as one list per key of `keys`, each in row order: empty for a key no row names;
 * rows whose key was not asked for are left out.
 */
export function listsByKey<Row, Value>(
  keys: readonly string[],
  rows: readonly Row[],
  keyOf: (row: Row) => string,
  valueOf: (row: Row) => Value,
): Map<string, Value[]> {
  const lists = new Map<string, Value[]>(keys.map((key) => [key, []]));
  for (const row of rows) lists.get(keyOf(row))?.push(valueOf(row));
  return lists;
}
