/**
 * SQL for single-use tokens mailed to users. Only SHA-256 hashes are stored; expiry is
 * computed and checked by the database clock, and consuming a token is one atomic UPDATE,
 * so two concurrent uses of one token cannot both succeed.
 */
import { sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';

export type TokenPurpose = 'email_verification' | 'password_reset';

const userIdRow = z.object({ user_id: z.string() });
const countRow = z.object({ count: z.number() });

const queries = {
  create: `insert into user_tokens (user_id, purpose, token_hash, expires_at)
    values (?, ?, ?, now() + make_interval(secs => ?))`,
  consume: `update user_tokens set used_at = now()
    where token_hash = ? and purpose = ? and used_at is null and expires_at > now()
    returning user_id`,
  invalidateOutstanding: `update user_tokens set used_at = now()
    where user_id = ? and purpose = ? and used_at is null`,
  issuedWithin: `select count(*)::int as count from user_tokens
    where user_id = ? and purpose = ? and created_at > now() - make_interval(secs => ?)`,
  // A used or expired token can never be consumed again; a day's grace keeps it for an investigation.
  pruneSpent: `delete from user_tokens where coalesce(used_at, expires_at) < now() - interval '1 day'`,
} as const;

export interface TokenStore {
  create(input: { userId: string; purpose: TokenPurpose; tokenHash: string; ttlSeconds: number }): Promise<void>;
  /** Marks a valid, unused, unexpired token used and returns its user id; null otherwise. */
  consume(purpose: TokenPurpose, tokenHash: string): Promise<string | null>;
  /** Makes every unused token of `purpose` for the user unusable; returns how many. */
  invalidateOutstanding(userId: string, purpose: TokenPurpose): Promise<number>;
  /** How many tokens of `purpose` the user was issued in the last `seconds` (by the database clock). */
  issuedWithin(userId: string, purpose: TokenPurpose, seconds: number): Promise<number>;
  /** Deletes tokens used or expired more than a day ago; returns how many. */
  pruneSpent(): Promise<number>;
}

/** A token store on `db`, which may be a transaction. */
export function createTokenStore(db: Knex): TokenStore {
  const sql = sqlOn(db);
  return {
    async create({ userId, purpose, tokenHash, ttlSeconds }) {
      await sql.execute(queries.create, [userId, purpose, tokenHash, ttlSeconds]);
    },
    async consume(purpose, tokenHash) {
      const row = await sql.first(userIdRow, queries.consume, [tokenHash, purpose]);
      return row?.user_id ?? null;
    },
    invalidateOutstanding: (userId, purpose) => sql.execute(queries.invalidateOutstanding, [userId, purpose]),
    async issuedWithin(userId, purpose, seconds) {
      return (await sql.first(countRow, queries.issuedWithin, [userId, purpose, seconds]))?.count ?? 0;
    },
    pruneSpent: () => sql.execute(queries.pruneSpent),
  };
}
