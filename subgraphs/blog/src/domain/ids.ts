/** Ids as clients send them: anything that is not a UUID names nothing (and never reaches SQL). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Postgres writes UUIDs in lower case; comparing ids compares these. */
export function normaliseUuid(value: string): string {
  return value.toLowerCase();
}
