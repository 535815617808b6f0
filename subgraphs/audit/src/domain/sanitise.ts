/**
 * What may enter the log: metadata without secrets, strings Postgres can store. A key
 * that looks like it holds a credential is dropped at every level before the row is
 * hashed, so no password or token ever reaches the table.
 */

/** Metadata keys that are never recorded, at any depth. */
const SECRET_KEY = /password|token|secret/i;

const MAX_DEPTH = 16;
const MAX_STRING_LENGTH = 4_000;

/** Text Postgres accepts (no NUL, no lone surrogates), cut to a sane length. */
export function cleanText(value: string, maxLength = MAX_STRING_LENGTH): string {
  const cleaned = value
    .replaceAll('\u0000', '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return cleaned.length > maxLength ? cleaned.slice(0, maxLength) : cleaned;
}

function cleanValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || value === null) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= MAX_DEPTH) return null;
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : cleanValue(item, depth + 1)));
  if (typeof value === 'object') return cleanObject(value as Record<string, unknown>, depth + 1);
  // undefined, bigint, functions, symbols: nothing JSON can carry faithfully.
  return undefined;
}

function cleanObject(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) continue;
    const cleaned = cleanValue(item, depth);
    if (cleaned !== undefined) result[cleanText(key, 200)] = cleaned;
  }
  return result;
}

/**
 * Metadata as it will be stored and hashed: a plain JSON object with every secret-looking
 * key removed (recursively) and values JSON can round-trip through Postgres unchanged.
 */
export function sanitiseMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  return cleanObject(metadata, 0);
}
