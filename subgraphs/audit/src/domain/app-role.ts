/**
 * The application role. The service migrates as the database owner, then does all its work
 * as a role that may only read and append to audit_log, so even a bug or an injection in
 * the service cannot rewrite history (the triggers refuse that for the owner too).
 */
import type { Database } from '@platform/service-kit';
import { z } from 'zod';

export const ROLE_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates the role, or updates it, with LOGIN and `password`, and leaves it SELECT and
 * INSERT on audit_log and nothing else. Runs `audit_ensure_app_role`, which the migrations
 * define, so `db` must be the owner and migrated.
 */
export async function ensureAppRole(db: Database, role: string, password: string): Promise<void> {
  if (!ROLE_NAME_PATTERN.test(role)) throw new Error(`invalid audit application role name "${role}"`);
  await db.raw('select audit_ensure_app_role(?, ?)', [role, password]);
  // The event consumer records what it processed (at-least-once delivery, applied once).
  await db.raw('select audit_grant_consumer_tables(?)', [role]);
}

/** `url` with its user and password replaced: the owner's server and database, as the application role. */
export function appDatabaseUrl(ownerUrl: string, role: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  return url.toString();
}

const privilegesRow = z.object({
  role: z.string(),
  can_change: z.boolean(),
  superuser: z.boolean(),
});

/**
 * What the connected role could do beyond reading and appending, for a warning at start:
 * an `APP_DATABASE_URL` pointing at the owner still works (the triggers refuse changes) but
 * loses a layer of protection.
 */
export async function excessPrivileges(db: Database): Promise<{ role: string; excess: boolean }> {
  const { rows } = await db.raw<{ rows: unknown[] }>(`select current_user as role,
      has_table_privilege('audit_log', 'UPDATE') or has_table_privilege('audit_log', 'DELETE')
        or has_table_privilege('audit_log', 'TRUNCATE') as can_change,
      (select rolsuper from pg_roles where rolname = current_user) as superuser`);
  const row = privilegesRow.parse(rows[0]);
  return { role: row.role, excess: row.can_change || row.superuser };
}
