/**
 * Seeding identity's database with the platform's first account: the admin. Idempotent
 * and safe to run on every start: the account is created (with its email verified) only
 * when no account uses the address, and an existing account is never changed, least of
 * all its password. Giving the account the admin role is authz's part of the seed.
 */
import type { Database } from '@platform/service-kit';
import { NO_REQUEST } from '@platform/service-kit/events';
import { emailProblem, normaliseEmail } from './domain/email.js';
import type { PasswordHasher } from './domain/passwords.js';
import { eventAboutUser } from './domain/user-events.js';
import { nameProblem, normaliseName, passwordProblem } from './domain/validation.js';
import { createStores } from './stores/index.js';
import { createUserStore } from './stores/user-store.js';

export interface SeedIdentityOptions {
  /** The admin's email address, in any letter case. */
  adminEmail: string;
  /** Used only when the account is created; an existing account keeps its password. */
  adminPassword: string;
  /** The admin's display name when the account is created; `Administrator` by default. */
  adminName?: string;
}

export interface SeedIdentityResult {
  /** The admin account's id, created now or found. */
  userId: string;
  /** True when this call created the account. */
  created: boolean;
}

/**
 * Makes sure the admin account exists in identity's database `db` (already migrated).
 * Throws when the email, password or name would not be accepted by registration.
 */
export async function seedIdentity(
  db: Database,
  passwords: PasswordHasher,
  options: SeedIdentityOptions,
): Promise<SeedIdentityResult> {
  const email = normaliseEmail(options.adminEmail);
  const name = normaliseName(options.adminName ?? 'Administrator');
  const problems = [
    ['admin email', emailProblem(email)],
    ['admin password', passwordProblem(options.adminPassword)],
    ['admin name', nameProblem(name)],
  ].filter(([, problem]) => problem !== null);
  if (problems.length > 0) {
    throw new Error(`cannot seed identity: ${problems.map(([what, problem]) => `${what} ${problem}`).join('; ')}`);
  }

  const users = createUserStore(db);
  const existing = await users.findIdByEmail(email);
  if (existing) return { userId: existing, created: false };

  const passwordHash = await passwords.hash(options.adminPassword);
  // The account and its user.registered event commit together (ADR 0002).
  const created = await db.transaction(async (trx) => {
    const stores = createStores(trx);
    const user = await stores.users.createVerifiedIfAbsent({ email, name, passwordHash });
    if (user) {
      await stores.outbox.enqueue(
        eventAboutUser('platform.identity.user.registered.v1', {
          actorId: null,
          context: NO_REQUEST,
          userId: user.id,
          email: user.email,
          name: user.name,
          emailVerified: true,
        }),
      );
    }
    return user;
  });
  if (created) return { userId: created.id, created: true };
  // Another seed (or a registration) took the address between the lookup and the insert.
  const raced = await users.findIdByEmail(email);
  if (!raced) throw new Error('cannot seed identity: the admin account vanished while seeding');
  return { userId: raced, created: false };
}
