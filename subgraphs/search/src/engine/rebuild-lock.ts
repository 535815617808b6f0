/**
 * One rebuild of the index at a time, whichever engine and replica runs it: `work` runs in a
 * transaction holding a transaction-scoped advisory lock, and a second rebuild is refused at once.
 */
import { sqlOn, type Database } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';

/** The refusal of a rebuild while another holds the lock (here or on another replica, or the command). */
export class RebuildRunningError extends Error {
  constructor() {
    super('Another rebuild of the search index is running: try again when it ends');
    this.name = 'RebuildRunningError';
  }
}

/** Runs `work` holding the rebuild lock; `started` is told once the lock is held. */
export function exclusiveRebuild<T>(
  db: Database,
  started: (() => void) | undefined,
  work: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (trx) => {
    const lock = await sqlOn(trx).first(
      z.object({ locked: z.boolean() }),
      `select pg_try_advisory_xact_lock(hashtext('search.rebuild')) as locked`,
    );
    if (!lock!.locked) throw new RebuildRunningError();
    started?.();
    return work(trx);
  });
}
