/**
 * SQL for the `sessions` table. Built on a knex instance or a transaction, so the
 * session service can combine it with the refresh-token store atomically.
 */
import { sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { SessionModel } from '../mappers.js';

const sessionRow = z.object({
  id: z.string(),
  user_id: z.string(),
  created_at: z.date(),
  last_used_at: z.date(),
  expires_at: z.date(),
  user_agent: z.string().nullable(),
  ip_address: z.string().nullable(),
});
const idRow = z.object({ id: z.string() });

const COLUMNS = 'id, user_id, created_at, last_used_at, expires_at, user_agent, ip_address';

function toModel(row: z.infer<typeof sessionRow>): SessionModel {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    userAgent: row.user_agent,
    ipAddress: row.ip_address,
  };
}

export interface NewSession {
  id: string;
  userId: string;
  /** The session lasts as long as its refresh token: this many seconds from now. */
  ttlSeconds: number;
  userAgent: string | null;
  ipAddress: string | null;
  /** The session's first refresh token (its id and hash), which expires with it. */
  refreshToken: { id: string; hash: string };
}

/** `now() + ?` seconds, on the database's clock like every other timestamp here. */
export const SECONDS_FROM_NOW = 'now() + make_interval(secs => ?)';

export interface SessionStore {
  /** Starts a session and its first refresh token, in one statement. */
  create(session: NewSession): Promise<SessionModel>;
  /** Active (neither revoked nor expired) sessions of each user, most recently used first. */
  listActiveByUserIds(userIds: readonly string[]): Promise<Map<string, SessionModel[]>>;
  /** Records a use of the session and slides its expiry to `ttlSeconds` from now. */
  touch(sessionId: string, ttlSeconds: number): Promise<void>;
  /** Revokes one session; false when it was already revoked or does not exist. */
  revoke(sessionId: string, reason: string): Promise<boolean>;
  /** Revokes every active session of a user except one; returns the ids revoked. */
  revokeAllOfUser(userId: string, exceptSessionId: string | null, reason: string): Promise<string[]>;
  /** Deletes sessions that ended (revoked or expired) more than `days` ago, their tokens with them; answers how many. */
  pruneEnded(days: number): Promise<number>;
}

export function createSessionStore(db: Knex): SessionStore {
  const sql = sqlOn(db);
  return {
    async create(session) {
      // One round trip for both rows, the token expiring exactly when the session does.
      const row = await sql.first(
        sessionRow,
        `with session as (
           insert into sessions (id, user_id, expires_at, user_agent, ip_address)
           values (?, ?, ${SECONDS_FROM_NOW}, ?, ?)
           returning ${COLUMNS}
         ), token as (
           insert into refresh_tokens (id, session_id, token_hash, expires_at)
           select ?, id, ?, expires_at from session
         )
         select ${COLUMNS} from session`,
        [
          session.id,
          session.userId,
          session.ttlSeconds,
          session.userAgent,
          session.ipAddress,
          session.refreshToken.id,
          session.refreshToken.hash,
        ],
      );
      if (!row) throw new Error('inserting a session returned no row');
      return toModel(row);
    },

    async listActiveByUserIds(userIds) {
      const rows = await sql.rows(
        sessionRow,
        `select ${COLUMNS} from sessions
          where user_id = any(?::text[]) and revoked_at is null and expires_at > now()
          order by last_used_at desc, id asc`,
        [[...userIds]],
      );
      const byUser = new Map<string, SessionModel[]>(userIds.map((id) => [id, []]));
      for (const row of rows) byUser.get(row.user_id)?.push(toModel(row));
      return byUser;
    },

    async touch(sessionId, ttlSeconds) {
      await sql.execute(`update sessions set last_used_at = now(), expires_at = ${SECONDS_FROM_NOW} where id = ?`, [
        ttlSeconds,
        sessionId,
      ]);
    },

    async revoke(sessionId, reason) {
      const count = await sql.execute(
        'update sessions set revoked_at = now(), revoked_reason = ? where id = ? and revoked_at is null',
        [reason, sessionId],
      );
      return count > 0;
    },

    async revokeAllOfUser(userId, exceptSessionId, reason) {
      const rows = await sql.rows(
        idRow,
        `update sessions set revoked_at = now(), revoked_reason = ?
          where user_id = ? and revoked_at is null and expires_at > now()
            and (?::uuid is null or id <> ?::uuid)
          returning id`,
        [reason, userId, exceptSessionId, exceptSessionId],
      );
      return rows.map((row) => row.id);
    },

    pruneEnded: (days) =>
      sql.execute(
        `delete from sessions
          where least(coalesce(revoked_at, expires_at), expires_at) < now() - make_interval(days => ?)`,
        [days],
      ),
  };
}
