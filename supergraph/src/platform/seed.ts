/**
 * Seeding the platform: the system roles (`admin` with every permission, `user`, `guest`)
 * and an admin account. Each subgraph seeds its own database with its own code: identity
 * creates the account, authz gives it `admin`. Idempotent: a second run changes nothing,
 * and an existing account's password is never touched.
 */
import { migrateAuthzDatabase, seedAuthz } from '@platform/authz';
import { createIdentityPasswordHasher, migrateIdentityDatabase, seedIdentity } from '@platform/identity';
import { createDatabase, randomToken, type Database } from '@platform/service-kit';

export interface AdminCredentials {
  email: string;
  password: string;
  /** True when the password was generated here and must be shown to the operator once. */
  generated: boolean;
}

const DEFAULT_ADMIN_EMAIL = 'admin@example.com';

/**
 * The admin account to seed: `ADMIN_EMAIL` and `ADMIN_PASSWORD`, required in production; in
 * development a missing password is generated (shown once, when the account is created).
 */
export function adminCredentials(settings: {
  nodeEnv: string;
  adminEmail?: string | undefined;
  adminPassword?: string | undefined;
}): AdminCredentials {
  if (settings.adminEmail && settings.adminPassword) {
    return { email: settings.adminEmail, password: settings.adminPassword, generated: false };
  }
  if (settings.nodeEnv === 'production') {
    throw new Error('ADMIN_EMAIL and ADMIN_PASSWORD are required to seed in production');
  }
  return {
    email: settings.adminEmail ?? DEFAULT_ADMIN_EMAIL,
    password: settings.adminPassword ?? randomToken().slice(0, 24),
    generated: settings.adminPassword === undefined,
  };
}

export interface PlatformSeedResult {
  adminUserId: string;
  adminCreated: boolean;
  /** Whether roles, grants or assignments changed. */
  authzChanged: boolean;
}

async function withDatabase<T>(url: string, name: string, work: (db: Database) => Promise<T>): Promise<T> {
  const db = createDatabase({ url, applicationName: `${name}-seed`, poolMax: 2 });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

export async function seedPlatform(options: {
  identityDatabaseUrl: string;
  authzDatabaseUrl: string;
  admin: AdminCredentials;
}): Promise<PlatformSeedResult> {
  const identity = await withDatabase(options.identityDatabaseUrl, 'identity', async (db) => {
    await migrateIdentityDatabase(db);
    // The platform's minimum argon2id cost; identity upgrades the hash at the first login if configured higher.
    const passwords = await createIdentityPasswordHasher({
      ARGON2_MEMORY_KIB: 19456,
      ARGON2_ITERATIONS: 2,
      ARGON2_PARALLELISM: 1,
    });
    return seedIdentity(db, passwords, { adminEmail: options.admin.email, adminPassword: options.admin.password });
  });
  const authz = await withDatabase(options.authzDatabaseUrl, 'authz', async (db) => {
    await migrateAuthzDatabase(db);
    return seedAuthz(db, { adminUserId: identity.userId });
  });
  return { adminUserId: identity.userId, adminCreated: identity.created, authzChanged: authz.changed };
}
