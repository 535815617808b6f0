/**
 * SQL for the users aggregate. Rows are checked at this boundary and returned as `User`
 * objects; password hashes leave the store only through the credential lookups.
 */
import { isUniqueViolation, sqlOn } from '@platform/service-kit';
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
  /** As stored: trimmed and lower-cased. */
  email: string;
  passwordHash: string;
}

/** The address is already registered (case-insensitively). */
export class EmailTakenError extends Error {
  constructor() {
    super('email already registered');
    this.name = 'EmailTakenError';
  }
}

const userColumns = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  email_verified_at: z.date().nullable(),
  created_at: z.date(),
});

function toUser(row: z.infer<typeof userColumns>): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerifiedAt: row.email_verified_at,
    createdAt: row.created_at,
  };
}

const userRow = userColumns.transform(toUser);

/** A user row with its exact position in the listing order (`created_at` to the microsecond, as text). */
const listedUserRow = userColumns.extend({ position_created_at: z.string() }).transform((row): ListedUser => ({
  user: toUser(row),
  position: { createdAt: row.position_created_at, id: row.id },
}));

const credentialsRow = z
  .object({ id: z.string(), email: z.string(), password_hash: z.string() })
  .transform((row): UserCredentials => ({ id: row.id, email: row.email, passwordHash: row.password_hash }));

const idRow = z.object({ id: z.string() });

const USER_COLUMNS = 'id, email, name, email_verified_at, created_at';

// `created_at` keeps microseconds, a JS Date only milliseconds: positions travel as this exact text.
const POSITION_CREATED_AT = `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position_created_at`;

const queries = {
  listFirst: `select ${USER_COLUMNS}, ${POSITION_CREATED_AT} from users order by created_at, id limit ?`,
  listAfter: `select ${USER_COLUMNS}, ${POSITION_CREATED_AT} from users
    where (created_at, id) > (?::timestamptz, ?::uuid) order by created_at, id limit ?`,
  findManyByIds: `select ${USER_COLUMNS} from users where id = any(?::uuid[])`,
  findIdByEmail: 'select id from users where lower(email) = ?',
  lockByEmail: `select ${USER_COLUMNS} from users where lower(email) = ? for update`,
  findCredentialsByEmail: 'select id, email, password_hash from users where lower(email) = ?',
  findCredentialsById: 'select id, email, password_hash from users where id = ?',
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
  /** The user with this address, its row locked until the transaction ends (serialises mail to one account). */
  lockByEmail(normalisedEmail: string): Promise<User | null>;
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
export function createUserStore(db: Knex): UserStore {
  const sql = sqlOn(db);
  const changed = async (query: string, bindings: readonly Knex.RawBinding[]) =>
    (await sql.execute(query, bindings)) > 0;

  return {
    list: (after, limit) =>
      after
        ? sql.rows(listedUserRow, queries.listAfter, [after.createdAt, after.id, limit])
        : sql.rows(listedUserRow, queries.listFirst, [limit]),
    async findManyByIds(ids) {
      if (ids.length === 0) return [];
      return sql.rows(userRow, queries.findManyByIds, [[...ids]]);
    },
    async findIdByEmail(email) {
      return (await sql.first(idRow, queries.findIdByEmail, [email]))?.id ?? null;
    },
    async lockByEmail(email) {
      return (await sql.first(userRow, queries.lockByEmail, [email])) ?? null;
    },
    async findCredentialsByEmail(email) {
      return (await sql.first(credentialsRow, queries.findCredentialsByEmail, [email])) ?? null;
    },
    async findCredentialsById(id) {
      return (await sql.first(credentialsRow, queries.findCredentialsById, [id])) ?? null;
    },
    async create(input) {
      try {
        const user = await sql.first(userRow, queries.create, [input.email, input.name, input.passwordHash]);
        if (!user) throw new Error('insert into users returned no row');
        return user;
      } catch (error) {
        if (isUniqueViolation(error, 'users_email_lower_key')) throw new EmailTakenError();
        throw error;
      }
    },
    async updateName(id, name) {
      return (await sql.first(userRow, queries.updateName, [name, id])) ?? null;
    },
    setPasswordHash: (id, passwordHash) => changed(queries.setPasswordHash, [passwordHash, id]),
    upgradePasswordHash: (id, previousHash, upgradedHash) =>
      changed(queries.upgradePasswordHash, [upgradedHash, id, previousHash]),
    async markEmailVerified(id) {
      return (await sql.first(userRow, queries.markEmailVerified, [id])) ?? null;
    },
    async createVerifiedIfAbsent(input) {
      const values = [input.email, input.name, input.passwordHash];
      return (await sql.first(userRow, queries.createVerifiedIfAbsent, values)) ?? null;
    },
    deleteById: (id) => changed(queries.deleteById, [id]),
  };
}
