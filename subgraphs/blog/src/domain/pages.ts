/**
 * Cursor pagination of published posts: `first` bounded to 1..100, cursors opaque (base64url
 * of the keyset position `[publishedAt, id]`) and checked when they come back, so a tampered
 * cursor is BAD_USER_INPUT, not a SQL error.
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

export function encodeCursor(publishedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([publishedAt.toISOString(), id]), 'utf8').toString('base64url');
}

/** The position a cursor holds, or BAD_USER_INPUT. */
export function decodeCursor(after: string | null | undefined): { publishedAt: Date; id: string } | null {
  if (after === null || after === undefined) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const publishedAt = new Date(value[0]);
      if (!Number.isNaN(publishedAt.getTime()) && isUuid(value[1])) return { publishedAt, id: value[1] };
    }
  } catch {
    // Not base64url JSON: reported below like any other foreign cursor.
  }
  throw badUserInput({ after: 'is not a cursor this list gave out' });
}
