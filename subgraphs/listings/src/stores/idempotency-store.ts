/**
 * Idempotency keys of createVenue and createEvent. `claim` inserts the key in the caller's
 * transaction: a concurrent request with the same key waits on that row until the first
 * commits (then finds it) or rolls back (then claims it), so a key never creates twice.
 * `complete` stores the answer in that same transaction, so a retry answers what the first
 * request answered even after the venue or event changed.
 */
import { sqlOn, type Database } from '@platform/service-kit';
import { z } from 'zod';
import { EVENT_ANSWER, eventAnswer } from './event-store.js';
import { VENUE_ANSWER, venueAnswer } from './venue-store.js';

/** Each keyed operation's answer: the SQL that builds it as one jsonb value (`?` the result id) and its shape. */
const ANSWERS = {
  createVenue: { query: VENUE_ANSWER, shape: venueAnswer },
  createEvent: { query: EVENT_ANSWER, shape: eventAnswer },
} as const;

export type KeyedOperation = keyof typeof ANSWERS;
export type Answer<Operation extends KeyedOperation> = z.output<(typeof ANSWERS)[Operation]['shape']>;

const claimedRow = z.object({ request_hash: z.string(), result_id: z.string(), response: z.unknown() });

const sql = {
  claim: `insert into idempotency_keys (organizer_id, operation, key, request_hash, result_id)
    values (?, ?, ?, ?, ?) on conflict do nothing`,
  find: `select request_hash, result_id, response from idempotency_keys
    where organizer_id = ? and operation = ? and key = ?`,
  complete: (answer: string) => `update idempotency_keys set response = (${answer})
    where organizer_id = ? and operation = ? and key = ? returning response`,
} as const;

export interface IdempotencyKey<Operation extends KeyedOperation = KeyedOperation> {
  organizerId: string;
  operation: Operation;
  key: string;
  requestHash: string;
}

export interface IdempotencyStore {
  /**
   * Claims the key for `resultId`; answers the earlier claim instead when the key was used
   * already, with its answer (null for keys used before answers were stored).
   */
  claim<Operation extends KeyedOperation>(
    key: IdempotencyKey<Operation>,
    resultId: string,
  ): Promise<
    { claimed: true } | { claimed: false; requestHash: string; resultId: string; answer: Answer<Operation> | null }
  >;
  /**
   * Stores with the key the record `resultId` as this transaction leaves it, and answers that:
   * the first request and every retry answer the same.
   */
  complete<Operation extends KeyedOperation>(
    key: IdempotencyKey<Operation>,
    resultId: string,
  ): Promise<Answer<Operation>>;
}

export function createIdempotencyStore(db: Database): IdempotencyStore {
  const run = sqlOn(db);
  const keyOf = (key: IdempotencyKey) => [key.organizerId, key.operation, key.key];
  return {
    async claim(key, resultId) {
      const inserted = await run.execute(sql.claim, [...keyOf(key), key.requestHash, resultId]);
      if (inserted === 1) return { claimed: true };
      const earlier = (await run.first(claimedRow, sql.find, keyOf(key)))!;
      const answer = earlier.response == null ? null : ANSWERS[key.operation].shape.parse(earlier.response);
      return {
        claimed: false,
        requestHash: earlier.request_hash,
        resultId: earlier.result_id,
        answer: answer as Answer<typeof key.operation> | null,
      };
    },
    async complete(key, resultId) {
      const { query, shape } = ANSWERS[key.operation];
      const row = await run.first(z.object({ response: shape }), sql.complete(query), [resultId, ...keyOf(key)]);
      return row!.response as Answer<typeof key.operation>;
    },
  };
}
