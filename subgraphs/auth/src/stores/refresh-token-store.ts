/**
 * SQL for the `refresh_tokens` table: tokens by hash, each bound to a session. Rotation
 * hinges on `consume`, one conditional UPDATE, so of two concurrent uses of one token
 * exactly one gets the row.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { secondsFromNow } from './session-store.js';

const consumedRow = z.object({
  id: z.string(),
  session_id: z.string(),
  user_id: z.string(),
  session_created_at: z.date(),
});
const tokenStateRow = z.object({
  session_id: z.string(),
  user_id: z.string(),
  used_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
  expired: z.boolean(),
});

export interface ConsumedRefreshToken {
  tokenId: string;
  sessionId: string;
  userId: string;
  /** When the session began, i.e. when the user signed in with their credentials. */
  sessionCreatedAt: Date;
}

export interface RefreshTokenState {
  sessionId: string;
  /** The session's user. */
  userId: string;
  used: boolean;
  revoked: boolean;
  expired: boolean;
}

export interface RefreshTokenStore {
  insert(token: { id: string; sessionId: string; hash: string; ttlSeconds: number }): Promise<void>;
  /**
   * Marks the token used when it is usable (unused, unrevoked, unexpired, its session
   * active) and returns it; null otherwise. Concurrent calls for one token: one wins.
   */
  consume(hash: string): Promise<ConsumedRefreshToken | null>;
  /** The token's state whatever it is, or null when no such token was issued. */
  find(hash: string): Promise<RefreshTokenState | null>;
  /** Revokes every not yet revoked token of the sessions; returns how many. */
  revokeForSessions(sessionIds: readonly string[]): Promise<number>;
}

export function createRefreshTokenStore(db: Knex): RefreshTokenStore {
  return {
    async insert(token) {
      await db('refresh_tokens').insert({
        id: token.id,
        session_id: token.sessionId,
        token_hash: token.hash,
        expires_at: secondsFromNow(db, token.ttlSeconds),
      });
    },

    async consume(hash) {
      const result = await db.raw<{ rows: unknown[] }>(
        `update refresh_tokens as rt
            set used_at = now()
           from sessions as s
          where rt.token_hash = ?
            and rt.used_at is null
            and rt.revoked_at is null
            and rt.expires_at > now()
            and s.id = rt.session_id
            and s.revoked_at is null
      returning rt.id, rt.session_id, s.user_id, s.created_at as session_created_at`,
        [hash],
      );
      const row = result.rows[0];
      if (!row) return null;
      const parsed = consumedRow.parse(row);
      return {
        tokenId: parsed.id,
        sessionId: parsed.session_id,
        userId: parsed.user_id,
        sessionCreatedAt: parsed.session_created_at,
      };
    },

    async find(hash) {
      const row: unknown = await db('refresh_tokens as rt')
        .join('sessions as s', 's.id', 'rt.session_id')
        .select(
          'rt.session_id',
          's.user_id',
          'rt.used_at',
          'rt.revoked_at',
          db.raw('rt.expires_at <= now() as expired'),
        )
        .where({ 'rt.token_hash': hash })
        .first();
      if (!row) return null;
      const parsed = tokenStateRow.parse(row);
      return {
        sessionId: parsed.session_id,
        userId: parsed.user_id,
        used: parsed.used_at !== null,
        revoked: parsed.revoked_at !== null,
        expired: parsed.expired,
      };
    },

    async revokeForSessions(sessionIds) {
      if (sessionIds.length === 0) return 0;
      return db('refresh_tokens')
        .whereIn('session_id', [...sessionIds])
        .whereNull('revoked_at')
        .update({ revoked_at: db.fn.now() });
    },
  };
}
