/**
 * SQL for the `refresh_tokens` table: tokens by hash, each bound to a session. Rotation
 * hinges on `consume`, one conditional UPDATE, so of two concurrent uses of one token
 * exactly one gets the row.
 */
import { sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import { SECONDS_FROM_NOW } from './session-store.js';

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
  /**
   * Deletes tokens expired more than `days` ago (rotation leaves one per refresh in a live
   * session); reuse of a token is detected until then, and is refused as unknown afterwards.
   */
  pruneExpired(days: number): Promise<number>;
}

export function createRefreshTokenStore(db: Knex): RefreshTokenStore {
  const sql = sqlOn(db);
  return {
    async insert(token) {
      await sql.execute(
        `insert into refresh_tokens (id, session_id, token_hash, expires_at) values (?, ?, ?, ${SECONDS_FROM_NOW})`,
        [token.id, token.sessionId, token.hash, token.ttlSeconds],
      );
    },

    async consume(hash) {
      const row = await sql.first(
        consumedRow,
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
      if (!row) return null;
      return {
        tokenId: row.id,
        sessionId: row.session_id,
        userId: row.user_id,
        sessionCreatedAt: row.session_created_at,
      };
    },

    async find(hash) {
      const row = await sql.first(
        tokenStateRow,
        `select rt.session_id, s.user_id, rt.used_at, rt.revoked_at, rt.expires_at <= now() as expired
           from refresh_tokens as rt
           join sessions as s on s.id = rt.session_id
          where rt.token_hash = ?`,
        [hash],
      );
      if (!row) return null;
      return {
        sessionId: row.session_id,
        userId: row.user_id,
        used: row.used_at !== null,
        revoked: row.revoked_at !== null,
        expired: row.expired,
      };
    },

    async revokeForSessions(sessionIds) {
      if (sessionIds.length === 0) return 0;
      return sql.execute(
        'update refresh_tokens set revoked_at = now() where session_id = any(?::uuid[]) and revoked_at is null',
        [[...sessionIds]],
      );
    },

    pruneExpired: (days) =>
      sql.execute('delete from refresh_tokens where expires_at < now() - make_interval(days => ?)', [days]),
  };
}
