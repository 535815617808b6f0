/**
 * What expenses does when identity registers a user (applied once, inside the consumer's
 * deduplication transaction): the user's settings row with the configured defaults, and the
 * default categories. Doing it twice adds nothing (categories are unique per user by name).
 */
import type { ConsumedEventHandler } from '@platform/service-kit';
import { createStores } from './stores/index.js';
import type { ExpenseSettings } from './stores/user-store.js';
import { DEFAULT_CATEGORY_NAMES } from './domain/expenses.js';

export const CONSUMED_IDENTITY_EVENTS = ['platform.identity.user.registered.v1'] as const;

export function createIdentityEventHandlers(defaults: ExpenseSettings): {
  'platform.identity.user.registered.v1': ConsumedEventHandler<'platform.identity.user.registered.v1'>;
} {
  return {
    'platform.identity.user.registered.v1': async (event, trx) => {
      const stores = createStores(trx);
      await stores.users.ensureSettings(event.data.userId, defaults);
      await stores.users.addDefaultCategories(event.data.userId, DEFAULT_CATEGORY_NAMES);
    },
  };
}
