/** Ids: roles and users are identified by UUIDs; anything else names nothing. */

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a UUID (in any letter case). */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** The stored form of a UUID: lower case, the way Postgres prints it. */
export function normaliseUuid(value: string): string {
  return value.toLowerCase();
}
