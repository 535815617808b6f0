/**
 * The one-row `authz_state`: the permissions version. Every change to roles, grants or
 * assignments locks the row first (so changes run one at a time and checks such as "is
 * this the last admin" cannot race) and bumps the version in the same transaction.
 */
import { sqlOn, type Database } from '@platform/service-kit';
import { z } from 'zod';

const versionRow = z.object({ version: z.number().int() });

const sql = {
  lock: 'select version from authz_state where id for update',
  bump: 'update authz_state set version = version + 1 where id returning version',
  read: 'select version from authz_state where id',
} as const;

export interface StateStore {
  /** Locks the state row until the transaction ends and answers the version. */
  lock(): Promise<number>;
  /** Adds one to the version and answers the new one. */
  bump(): Promise<number>;
  version(): Promise<number>;
}

function toVersion(row: z.infer<typeof versionRow> | undefined): number {
  if (row === undefined) throw new Error('authz_state has no row: the authz migrations have not run');
  return row.version;
}

export function createStateStore(db: Database): StateStore {
  const run = sqlOn(db);
  return {
    lock: async () => toVersion(await run.first(versionRow, sql.lock)),
    bump: async () => toVersion(await run.first(versionRow, sql.bump)),
    version: async () => toVersion(await run.first(versionRow, sql.read)),
  };
}
