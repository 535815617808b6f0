/**
 * A search as the engines take it: the GraphQL input checked field by field (every problem
 * reported at once) and the cursor decoded. Which drafts a caller may include is decided here,
 * from listings' permissions, so every engine applies the same rule.
 */
import { forbidden, InputProblems, Permission, unauthenticated, type BaseContext } from '@platform/service-kit';

export interface GeoCircle {
  latitude: number;
  longitude: number;
  radiusKm: number;
}

/** Where the previous page ended: hits come by score (desc), start, id. */
export interface SearchPosition {
  score: string;
  startsAt: Date;
  id: string;
}

/** Which drafts are searched besides published events. */
export type DraftScope = { kind: 'none' } | { kind: 'own'; organizerId: string } | { kind: 'all' };

export interface SearchRequest {
  /** The words typed, split on everything but letters and digits (at most 10). */
  words: string[];
  from: Date | null;
  to: Date | null;
  categories: string[] | null;
  near: GeoCircle | null;
  drafts: DraftScope;
  first: number;
  after: SearchPosition | null;
  /** Only events starting after this instant are found. */
  now: Date;
}

export interface SearchInput {
  text?: string | null;
  // The DateTime scalar parses to a Date; codegen types it as either.
  startsBetween?: { from?: Date | string | null; to?: Date | string | null } | null;
  categories?: readonly string[] | null;
  near?: GeoCircle | null;
  includeDrafts?: boolean | null;
}

const MAX_WORDS = 10;
const MAX_TEXT = 200;
const MAX_CATEGORIES = 20;
const MAX_RADIUS_KM = 20_000;

/** Letters and digits of any script; everything else separates words. */
export function wordsOf(text: string): string[] {
  return text.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0);
}

export function encodePosition(position: SearchPosition): string {
  return Buffer.from(JSON.stringify([position.score, position.startsAt.toISOString(), position.id])).toString(
    'base64url',
  );
}

function decodePosition(cursor: string): SearchPosition | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [score, startsAt, id] = value as unknown[];
    if (typeof score !== 'string' || !/^\d+(\.\d+)?(e[-+]?\d+)?$/i.test(score)) return null;
    if (typeof startsAt !== 'string' || Number.isNaN(new Date(startsAt).getTime())) return null;
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return null;
    return { score, startsAt: new Date(startsAt), id };
  } catch {
    return null;
  }
}

function draftScope(includeDrafts: boolean, context: BaseContext): DraftScope {
  if (!includeDrafts) return { kind: 'none' };
  const { userId, permissions } = context.caller;
  if (!userId) throw unauthenticated('Sign in to search drafts');
  if (permissions.includes(Permission.ListingsEventManage)) return { kind: 'all' };
  if (permissions.includes(Permission.ListingsEventWrite)) return { kind: 'own', organizerId: userId };
  throw forbidden('Searching drafts needs listings.event.write (your own) or listings.event.manage');
}

/** The checked request, or BAD_USER_INPUT naming every wrong field. */
export function searchRequestOf(
  input: SearchInput,
  first: number | null | undefined,
  after: string | null | undefined,
  context: BaseContext,
  now: Date,
): SearchRequest {
  const problems = new InputProblems();
  const text = input.text ?? '';
  if (text.length > MAX_TEXT) problems.add('query.text', `must be at most ${MAX_TEXT} characters`);
  const words = wordsOf(text);
  if (words.length > MAX_WORDS) problems.add('query.text', `must have at most ${MAX_WORDS} words`);

  const from = input.startsBetween?.from ? new Date(input.startsBetween.from) : null;
  const to = input.startsBetween?.to ? new Date(input.startsBetween.to) : null;
  if (from && to && from.getTime() >= to.getTime()) problems.add('query.startsBetween.to', 'must be after from');

  const categories = input.categories ?? null;
  if (categories && categories.length > MAX_CATEGORIES)
    problems.add('query.categories', `must name at most ${MAX_CATEGORIES} categories`);

  const near = input.near ?? null;
  if (near) {
    if (!(near.latitude >= -90 && near.latitude <= 90)) problems.add('query.near.latitude', 'must be from -90 to 90');
    if (!(near.longitude >= -180 && near.longitude <= 180))
      problems.add('query.near.longitude', 'must be from -180 to 180');
    if (!(near.radiusKm > 0 && near.radiusKm <= MAX_RADIUS_KM))
      problems.add('query.near.radiusKm', `must be more than 0 and at most ${MAX_RADIUS_KM}`);
  }

  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > 100) problems.add('first', 'must be from 1 to 100');
  const position = after ? decodePosition(after) : null;
  if (after && !position) problems.add('after', 'is not a cursor of this search');
  problems.throwIfAny();

  return {
    words: words.map((word) => word.slice(0, 50)),
    from,
    to,
    categories: categories ? categories.map((category) => category.toLowerCase()) : null,
    near,
    drafts: draftScope(input.includeDrafts ?? false, context),
    first: size,
    after: position,
    now,
  };
}
