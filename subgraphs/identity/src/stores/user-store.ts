/**
 * SQL for the users aggregate. Rows are checked at this boundary and returned as `User`
 * objects; password hashes leave the store only through the credential lookups.
 */
import { isUniqueViolation, type Database } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';

/** A user as the rest of the subgraph sees it (no password hash). */
export interface User {
  id: string;
  /** Normalised: trimmed and lower-cased. */
  email: string;
  name: string;
  emailVerifiedAt: Date | null;
  createdAt: Date;
}

export interface UserCredentials {
  id: string;
  passwordHash: string;
}

/** The address is already registered (case-insensitively). */
export class EmailTakenError extends Error {
  constructor() {
    super('email already registered');
    this.name = 'EmailTakenError';
  }
}

const userRow = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  email_verified_at: z.date().nullable(),
  created_at: z.date(),
});
/** A user row with its exact position in the listing order (`created_at` to the microsecond, as text). */
const pageRow = userRow.extend({ position_created_at: z.string() });
const credentialsRow = z.object({ id: z.string(), password_hash: z.string() });
const idRow = z.object({ id: z.string() });

const USER_COLUMNS = 'id, email, name, email_verified_at, created_at';

// `created_at` keeps microseconds, a JS Date only milliseconds: positions travel as this exact text.
const POSITION_CREATED_AT = `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position_created_at`;

const sql = {
  listFirst: `select ${USER_COLUMNS}, ${POSITION_CREATED_AT} from users order by created_at, id limit ?`,
  listAfter: `select ${USER_COLUMNS}, ${POSITION_CREATED_AT} from users
    where (created_at, id) > (?::timestamptz, ?::uuid) order by created_at, id limit ?`,
  findManyByIds: `select ${USER_COLUMNS} from users where id = any(?::uuid[])`,
  findIdByEmail: 'select id from users where lower(email) = ?',
  findCredentialsByEmail: 'select id, password_hash from users where lower(email) = ?',
  findCredentialsById: 'select id, password_hash from users where id = ?',
  create: `insert into users (email, name, password_hash) values (?, ?, ?) returning ${USER_COLUMNS}`,
  // The conflict target is the unique index users_email_lower_key.
  createVerifiedIfAbsent: `insert into users (email, name, password_hash, email_verified_at) values (?, ?, ?, now())
    on conflict ((lower(email))) do nothing returning ${USER_COLUMNS}`,
  deleteById: 'delete from users where id = ?',
  updateName: `update users set name = ?, updated_at = now() where id = ? returning ${USER_COLUMNS}`,
  setPasswordHash: 'update users set password_hash = ?, updated_at = now() where id = ?',
  // Only replaces the hash that was verified: a password changed meanwhile is never reverted.
  upgradePasswordHash: 'update users set password_hash = ?, updated_at = now() where id = ? and password_hash = ?',
  markEmailVerified: `update users set email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
    where id = ? returning ${USER_COLUMNS}`,
} as const;

function fromUserRow(parsed: z.infer<typeof userRow>): User {
  return {
    id: parsed.id,
    email: parsed.email,
    name: parsed.name,
    emailVerifiedAt: parsed.email_verified_at,
    createdAt: parsed.created_at,
  };
}

function toUser(row: unknown): User {
  return fromUserRow(userRow.parse(row));
}

function toListedUser(row: unknown): ListedUser {
  const parsed = pageRow.parse(row);
  return {
    user: fromUserRow(parsed),
    position: { createdAt: parsed.position_created_at, id: parsed.id },
  };
}

function toCredentials(row: unknown): UserCredentials {
  const parsed = credentialsRow.parse(row);
  return { id: parsed.id, passwordHash: parsed.password_hash };
}

/**
 * Where a user stands in the listing order (`created_at`, then `id`). `createdAt` is the
 * exact database value as ISO-8601 text with microseconds, so no row is skipped or repeated.
 */
export interface ListPosition {
  createdAt: string;
  id: string;
}

export interface ListedUser {
  user: User;
  position: ListPosition;
}

export interface UserStore {
  /** Up to `limit` users in creation order (ties by id), strictly after `after` when given. */
  list(after: ListPosition | null, limit: number): Promise<ListedUser[]>;
  /** The users among `ids` (which must be valid UUIDs), in no particular order, in one query. */
  findManyByIds(ids: readonly string[]): Promise<User[]>;
  findIdByEmail(normalisedEmail: string): Promise<string | null>;
  findCredentialsByEmail(normalisedEmail: string): Promise<UserCredentials | null>;
  findCredentialsById(id: string): Promise<UserCredentials | null>;
  /** Inserts a user; throws {@link EmailTakenError} when the address is taken. */
  create(input: { email: string; name: string; passwordHash: string }): Promise<User>;
  updateName(id: string, name: string): Promise<User | null>;
  setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /** Replaces `previousHash` with `upgradedHash`, unless the password changed in between. */
  upgradePasswordHash(id: string, previousHash: string, upgradedHash: string): Promise<boolean>;
  markEmailVerified(id: string): Promise<User | null>;
  /**
   * Inserts a user whose email counts as verified, unless the address is taken (case-insensitively):
   * then nothing changes and the result is null. For seeding, where a race must not fail.
   */
  createVerifiedIfAbsent(input: { email: string; name: string; passwordHash: string }): Promise<User | null>;
  /** Deletes the user (their mail tokens go with them); false when there was no such user. */
  deleteById(id: string): Promise<boolean>;
}

/** A user store on `db`, which may be a transaction. */
export function createUserStore(db: Database): UserStore {
  const rows = async (query: string, bindings: readonly Knex.RawBinding[]): Promise<unknown[]> =>
    (await db.raw<{ rows: unknown[] }>(query, bindings)).rows;
  const first = async (query: string, bindings: readonly Knex.RawBinding[]): Promise<unknown> =>
    (await rows(query, bindings))[0];
  const changed = async (query: string, bindings: readonly Knex.RawBinding[]): Promise<boolean> =>
    ((await db.raw<{ rowCount: number }>(query, bindings)).rowCount ?? 0) > 0;

  return {
    async list(after, limit) {
      const found = after
        ? await rows(sql.listAfter, [after.createdAt, after.id, limit])
        : await rows(sql.listFirst, [limit]);
      return found.map(toListedUser);
    },
    async findManyByIds(ids) {
      if (ids.length === 0) return [];
      return (await rows(sql.findManyByIds, [[...ids]])).map(toUser);
    },
    async findIdByEmail(email) {
      const row = await first(sql.findIdByEmail, [email]);
      return row ? idRow.parse(row).id : null;
    },
    async findCredentialsByEmail(email) {
      const row = await first(sql.findCredentialsByEmail, [email]);
      return row ? toCredentials(row) : null;
    },
    async findCredentialsById(id) {
      const row = await first(sql.findCredentialsById, [id]);
      return row ? toCredentials(row) : null;
    },
    async create(input) {
      try {
        return toUser(await first(sql.create, [input.email, input.name, input.passwordHash]));
      } catch (error) {
        if (isUniqueViolation(error, 'users_email_lower_key')) throw new EmailTakenError();
        throw error;
      }
    },
    async updateName(id, name) {
      const row = await first(sql.updateName, [name, id]);
      return row ? toUser(row) : null;
    },
    setPasswordHash: (id, passwordHash) => changed(sql.setPasswordHash, [passwordHash, id]),
    upgradePasswordHash: (id, previousHash, upgradedHash) =>
      changed(sql.upgradePasswordHash, [upgradedHash, id, previousHash]),
    async markEmailVerified(id) {
      const row = await first(sql.markEmailVerified, [id]);
      return row ? toUser(row) : null;
    },
    async createVerifiedIfAbsent(input) {
      const row = await first(sql.createVerifiedIfAbsent, [input.email, input.name, input.passwordHash]);
      return row ? toUser(row) : null;
    },
    deleteById: (id) => changed(sql.deleteById, [id]),
  };
}
