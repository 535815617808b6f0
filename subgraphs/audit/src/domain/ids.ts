/** Ids: audit rows, events and users are identified by UUIDs; anything else names nothing. */
import { createHash } from 'node:crypto';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a UUID (in any letter case). */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** The stored form of a UUID: lower case, the way Postgres prints it. */
export function normaliseUuid(value: string): string {
  return value.toLowerCase();
}

/**
 * A stable UUID for a CloudEvent whose id is not one: CloudEvents ids are unique per
 * source, so the pair is hashed (and shaped as an RFC 9562 version 8 UUID).
 */
export function eventUuid(source: string | null, id: string): string {
  if (isUuid(id)) return normaliseUuid(id);
  const hex = createHash('sha256')
    .update(`${source ?? ''}\n${id}`, 'utf8')
    .digest('hex')
    .slice(0, 32)
    .split('');
  hex[12] = '8';
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const text = hex.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}
