/**
 * What identity resolvers get per request: the kit's base context (caller, request id,
 * logger) plus stores, a per-request user loader and the services the mutations use.
 */
import type { AttemptThrottle, BaseContext } from '@platform/service-kit';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import type { AuthzClient } from './authz-client.js';
import type { BackgroundTasks } from './domain/background.js';
import { isUuid } from './domain/ids.js';
import type { MailLinks } from './domain/mail-tokens.js';
import type { PasswordHasher } from './domain/passwords.js';
import type { InTransaction, Stores } from './stores/index.js';
import type { TokenStore } from './stores/token-store.js';
import type { User, UserStore } from './stores/user-store.js';

export interface Context extends BaseContext {
  users: UserStore;
  tokens: TokenStore;
  /** Runs store calls in one transaction. */
  inTransaction: InTransaction;
  /** Users by id, batched and cached for this request: N lookups cost one query. */
  userById: DataLoader<string, User | null>;
  passwords: PasswordHasher;
  /** authz's answer before a deletion (it refuses for the last admin). */
  authz: AuthzClient;
  background: BackgroundTasks;
  /** Attempts at `changePassword` per user: wrong current passwords lock it for a while. */
  passwordChanges: AttemptThrottle;
  mailLinks: MailLinks;
  /** Told of each account created, once committed: `identity_registrations_total`. */
  countRegistration: () => void;
}

/** What lives as long as the subgraph; the context adds per-request state to it. */
export interface IdentityServices {
  stores: Stores;
  inTransaction: InTransaction;
  passwords: PasswordHasher;
  authz: AuthzClient;
  background: BackgroundTasks;
  passwordChanges: AttemptThrottle;
  mailLinks: MailLinks;
  countRegistration: () => void;
}

/** Loads users by id in one query per batch; ids that are not UUIDs resolve to null without touching SQL. */
function createUserLoader(users: UserStore): DataLoader<string, User | null> {
  return new DataLoader<string, User | null>(
    async (ids) => {
      const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
      const found = new Map((await users.findManyByIds(valid)).map((user) => [user.id, user]));
      return ids.map((id) => found.get(id.toLowerCase()) ?? null);
    },
    { cacheMap: loaderCache('userById') },
  );
}

export function createContextFactory(services: IdentityServices): (base: BaseContext) => Context {
  return (base) => ({
    ...base,
    users: services.stores.users,
    tokens: services.stores.tokens,
    inTransaction: services.inTransaction,
    userById: createUserLoader(services.stores.users),
    passwords: services.passwords,
    authz: services.authz,
    background: services.background,
    passwordChanges: services.passwordChanges,
    mailLinks: services.mailLinks,
    countRegistration: services.countRegistration,
  });
}
