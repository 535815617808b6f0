/**
 * SQL for the `sessions` table. Built on a knex instance or a transaction, so the
 * session service can combine it with the refresh-token store atomically.
 */
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

const columns = ['id', 'user_id', 'created_at', 'last_used_at', 'expires_at', 'user_agent', 'ip_address'];

function toModel(row: unknown): SessionModel {
  const parsed = sessionRow.parse(row);
  return {
    id: parsed.id,
    userId: parsed.user_id,
    createdAt: parsed.created_at,
    lastUsedAt: parsed.last_used_at,
    expiresAt: parsed.expires_at,
    userAgent: parsed.user_agent,
    ipAddress: parsed.ip_address,
  };
}

export interface NewSession {
  id: string;
  userId: string;
  /** The session lasts as long as its refresh token: this many seconds from now. */
  ttlSeconds: number;
  userAgent: string | null;
  ipAddress: string | null;
}

/** `now() + seconds`, on the database's clock like every other timestamp here. */
export function secondsFromNow(db: Knex, seconds: number): Knex.Raw {
  return db.raw('now() + make_interval(secs => ?)', [seconds]);
}

export interface SessionStore {
  create(session: NewSession): Promise<SessionModel>;
  /** Active (neither revoked nor expired) sessions of each user, most recently used first. */
  listActiveByUserIds(userIds: readonly string[]): Promise<Map<string, SessionModel[]>>;
  /** Records a use of the session and slides its expiry to `ttlSeconds` from now. */
  touch(sessionId: string, ttlSeconds: number): Promise<void>;
  /** Revokes one session; false when it was already revoked or does not exist. */
  revoke(sessionId: string, reason: string): Promise<boolean>;
  /** Revokes every active session of a user except one; returns the ids revoked. */
  revokeAllOfUser(userId: string, exceptSessionId: string | null, reason: string): Promise<string[]>;
}

export function createSessionStore(db: Knex): SessionStore {
  return {
    async create(session) {
      const [row] = (await db('sessions')
        .insert({
          id: session.id,
          user_id: session.userId,
          expires_at: secondsFromNow(db, session.ttlSeconds),
          user_agent: session.userAgent,
          ip_address: session.ipAddress,
        })
        .returning(columns)) as unknown[];
      return toModel(row);
    },

    async listActiveByUserIds(userIds) {
      const rows = (await db('sessions')
        .select(columns)
        .whereIn('user_id', [...userIds])
        .whereNull('revoked_at')
        .where('expires_at', '>', db.fn.now())
        .orderBy([
          { column: 'last_used_at', order: 'desc' },
          { column: 'id', order: 'asc' },
        ])) as unknown[];
      const byUser = new Map<string, SessionModel[]>(userIds.map((id) => [id, []]));
      for (const row of rows) {
        const session = toModel(row);
        byUser.get(session.userId)?.push(session);
      }
      return byUser;
    },

    async touch(sessionId, ttlSeconds) {
      await db('sessions')
        .where({ id: sessionId })
        .update({ last_used_at: db.fn.now(), expires_at: secondsFromNow(db, ttlSeconds) });
    },

    async revoke(sessionId, reason) {
      const count = await db('sessions')
        .where({ id: sessionId })
        .whereNull('revoked_at')
        .update({ revoked_at: db.fn.now(), revoked_reason: reason });
      return count > 0;
    },

    async revokeAllOfUser(userId, exceptSessionId, reason) {
      const query = db('sessions')
        .where({ user_id: userId })
        .whereNull('revoked_at')
        .where('expires_at', '>', db.fn.now());
      if (exceptSessionId) query.whereNot({ id: exceptSessionId });
      const rows = await query
        .update({ revoked_at: db.fn.now(), revoked_reason: reason })
        .returning<{ id: string }[]>('id');
      return rows.map((row) => row.id);
    },
  };
}
