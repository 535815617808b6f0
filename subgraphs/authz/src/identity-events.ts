/**
 * What authz does when identity's users come and go, consumed from identity's events (each
 * applied once, inside the consumer's deduplication transaction):
 * - `user.registered`: the new user gets the default `user` role. Giving it twice is a no-op,
 *   so a registration whose event arrives while authz is down gets its role when authz is back.
 * - `user.deleted`: the user's role assignments go. Identity asks `/internal/users/remove`
 *   before deleting (it needs the answer: the last admin is refused), so usually nothing is
 *   left to remove; a user already gone is fine.
 */
import { ErrorCode, type ConsumedEventHandler, type Logger } from '@platform/service-kit';
import { NO_REQUEST, type CloudEvent } from '@platform/service-kit/events';
import type { Actor } from './domain/changes.js';
import type { RbacService } from './domain/rbac.js';

export const CONSUMED_IDENTITY_EVENTS = [
  'platform.identity.user.registered.v1',
  'platform.identity.user.deleted.v1',
] as const;

type ConsumedType = (typeof CONSUMED_IDENTITY_EVENTS)[number];

/**
 * The platform reacting to identity: no actor, and the request id of the request that
 * caused the event, as identity's internal calls carried it.
 */
function actorFor(event: CloudEvent<ConsumedType>, logger: Logger): Actor {
  const requestId = event.data.context.requestId;
  return {
    logger: logger.child({ eventId: event.id, eventType: event.type }),
    ...(requestId ? { requestId } : {}),
    by: 'service:identity',
    userId: null,
    context: { ...NO_REQUEST, requestId },
  };
}

function isConflict(error: unknown): boolean {
  return (error as { extensions?: { code?: unknown } }).extensions?.code === ErrorCode.Conflict;
}

export function createIdentityEventHandlers(dependencies: { rbac: RbacService; logger: Logger }): {
  [T in ConsumedType]: ConsumedEventHandler<T>;
} {
  const { rbac, logger } = dependencies;
  return {
    'platform.identity.user.registered.v1': async (event, trx) => {
      await rbac.assignDefaultRole(actorFor(event, logger), event.data.userId, trx);
    },
    'platform.identity.user.deleted.v1': async (event, trx) => {
      const actor = actorFor(event, logger);
      try {
        await rbac.removeUser(actor, event.data.userId, trx);
      } catch (error) {
        if (!isConflict(error)) throw error;
        // Identity deletes a user only after authz agreed; trying again cannot make this succeed.
        actor.logger.error(
          { userId: event.data.userId },
          'a deleted user was the last admin: their roles are kept until another user is given admin',
        );
      }
    },
  };
}
