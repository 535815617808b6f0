/**
 * Cursor pagination: `first` bounded to 1..100, cursors opaque (base64url of the keyset
 * position) and checked when they come back, so a tampered cursor is BAD_USER_INPUT, not a
 * SQL error. Keyset positions keep the order stable while rows are added.
 */
import { badUserInput } from '@platform/service-kit';
import { isUuid } from './ids.js';

const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badUserInput({ first: `must be between 1 and ${MAX_PAGE_SIZE}` });
  }
  return size;
}

/** A cursor for the position `[sortKey, id]`. */
export function encodeCursor(sortKey: string, id: string): string {
  return Buffer.from(JSON.stringify([sortKey, id]), 'utf8').toString('base64url');
}

/** The position a cursor holds, or BAD_USER_INPUT; `validKey` checks its sort key. */
export function decodeCursor(
  after: string | null | undefined,
  validKey: (key: string) => boolean,
): { key: string; id: string } | null {
  if (after === null || after === undefined) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      validKey(value[0]) &&
      isUuid(value[1])
    ) {
      return { key: value[0], id: value[1] };
    }
  } catch {
    // Not base64url JSON: reported below like any other foreign cursor.
  }
  throw badUserInput({ after: 'is not a cursor this list gave out' });
}

/** A page of `size` from `rows` fetched with one extra row (which tells whether more follow). */
export function connection<T>(rows: T[], size: number, cursorOf: (row: T) => string) {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
