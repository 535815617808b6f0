/**
 * Idempotency keys of createVenue and createEvent. `claim` inserts the key in the caller's
 * transaction: a concurrent request with the same key waits on that row until the first
 * commits (then finds it) or rolls back (then claims it), so a key never creates twice.
 */
import { sqlOn, type Database } from '@platform/service-kit';
import { z } from 'zod';

const claimedRow = z.object({ request_hash: z.string(), result_id: z.string() });

const sql = {
  claim: `insert into idempotency_keys (organizer_id, operation, key, request_hash, result_id)
    values (?, ?, ?, ?, ?) on conflict do nothing`,
  find: 'select request_hash, result_id from idempotency_keys where organizer_id = ? and operation = ? and key = ?',
} as const;

export interface IdempotencyKey {
  organizerId: string;
  operation: 'createVenue' | 'createEvent';
  key: string;
  requestHash: string;
}

export interface IdempotencyStore {
  /** Claims the key for `resultId`; answers the earlier claim instead when the key was used already. */
  claim(
    key: IdempotencyKey,
    resultId: string,
  ): Promise<{ claimed: true } | { claimed: false; requestHash: string; resultId: string }>;
}

export function createIdempotencyStore(db: Database): IdempotencyStore {
  const run = sqlOn(db);
  return {
    async claim(key, resultId) {
      const inserted = await run.execute(sql.claim, [
        key.organizerId,
        key.operation,
        key.key,
        key.requestHash,
        resultId,
      ]);
      if (inserted === 1) return { claimed: true };
      const earlier = await run.first(claimedRow, sql.find, [key.organizerId, key.operation, key.key]);
      return { claimed: false, requestHash: earlier!.request_hash, resultId: earlier!.result_id };
    },
  };
}
