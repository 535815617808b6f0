/**
 * SQL for idempotency keys: one row per (caller, key). The claim commits on its own, so a
 * concurrent duplicate sees it in flight; the answer is written in the mutation's own
 * transaction (`complete`), so a committed change always has its key marked done with the
 * answer a retry returns.
 */
import { sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { BookingModel } from '../mappers.js';
import { BOOKING_ANSWER, bookingAnswer } from './booking-store.js';

const keyRow = z.object({
  request_hash: z.string(),
  status: z.enum(['in_flight', 'done']),
  booking_id: z.string().nullable(),
  response: bookingAnswer.nullable(),
});
const answerRow = z.object({ response: bookingAnswer });

export interface StoredKey {
  requestHash: string;
  status: 'in_flight' | 'done';
  bookingId: string | null;
  /** What the first attempt answered; null in flight, and for keys done before answers were stored. */
  answer: BookingModel | null;
}

const queries = {
  // A key older than the retention, or a claim abandoned in flight (a crash), is taken over.
  claim: `insert into idempotency_keys (caller, key, request_hash, status) values (?, ?, ?, 'in_flight')
    on conflict (caller, key) do update set request_hash = excluded.request_hash, status = 'in_flight',
      booking_id = null, response = null, created_at = now()
    where idempotency_keys.created_at < now() - make_interval(hours => ?)
      or (idempotency_keys.status = 'in_flight' and idempotency_keys.created_at < now() - make_interval(secs => ?))
    returning request_hash, status, booking_id, response`,
  find: `select request_hash, status, booking_id, response from idempotency_keys where caller = ? and key = ?`,
  complete: `update idempotency_keys set status = 'done', booking_id = ?, response = (${BOOKING_ANSWER})
    where caller = ? and key = ? returning response`,
  release: `delete from idempotency_keys where caller = ? and key = ? and status = 'in_flight'`,
  prune: `delete from idempotency_keys where created_at < now() - make_interval(hours => ?)`,
} as const;

/** How long a key answers with its first result. */
const IDEMPOTENCY_RETENTION_HOURS = 24;
/** A claim still in flight after this long was abandoned by a crashed request. */
const ABANDONED_AFTER_SECONDS = 120;

export interface IdempotencyStore {
  /** Claims the key; answers null when claimed now, else what the key already holds. */
  claim(caller: string, key: string, requestHash: string): Promise<StoredKey | null>;
  /**
   * Marks the key done with the booking as this transaction leaves it (payment, refund and
   * tickets included), and answers that: the first attempt and every retry answer the same.
   */
  complete(caller: string, key: string, bookingId: string): Promise<BookingModel>;
  /** Gives a claim up after the mutation failed, so a retry runs it again. */
  release(caller: string, key: string): Promise<void>;
  prune(): Promise<number>;
}

export function createIdempotencyStore(db: Knex): IdempotencyStore {
  const sql = sqlOn(db);
  return {
    async claim(caller, key, requestHash) {
      const claimed = await sql.first(keyRow, queries.claim, [
        caller,
        key,
        requestHash,
        IDEMPOTENCY_RETENTION_HOURS,
        ABANDONED_AFTER_SECONDS,
      ]);
      if (claimed) return null;
      const row = await sql.first(keyRow, queries.find, [caller, key]);
      // Released between our insert and read: the caller may simply retry.
      if (!row) return { requestHash, status: 'in_flight', bookingId: null, answer: null };
      return { requestHash: row.request_hash, status: row.status, bookingId: row.booking_id, answer: row.response };
    },
    async complete(caller, key, bookingId) {
      const row = await sql.first(answerRow, queries.complete, [bookingId, bookingId, caller, key]);
      return row!.response;
    },
    async release(caller, key) {
      await sql.execute(queries.release, [caller, key]);
    },
    prune: () => sql.execute(queries.prune, [IDEMPOTENCY_RETENTION_HOURS]),
  };
}
