/**
 * What auth does when identity's events say a user's sessions must end, each event applied
 * once inside the consumer's deduplication transaction (so the revocation, its
 * session.revoked events and the record of the event commit together):
 * - `user.password_changed` with `otherSessionsRevoked`: every session but `keptSessionId`
 *   (the one that made the change) ends, reason `password_changed`;
 * - `user.password_reset` with `sessionsRevoked`: every session ends, reason `password_reset`;
 * - `user.deleted`: every session ends, reason `user_deleted`.
 * Each is idempotent besides: a revoked session is not revoked (nor announced) again.
 * The event's actor is the revocation's actor (the user, or the administrator deleting them)
 * and its request id the revocation's.
 */
import type { ConsumedEventHandler, Logger } from '@platform/service-kit';
import type { CloudEvent } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import type { SessionService } from './domain/session-service.js';

export const CONSUMED_IDENTITY_EVENTS = [
  'platform.identity.user.password_changed.v1',
  'platform.identity.user.password_reset.v1',
  'platform.identity.user.deleted.v1',
] as const;

type ConsumedType = (typeof CONSUMED_IDENTITY_EVENTS)[number];

export function createIdentityEventHandlers(dependencies: { sessions: SessionService; logger: Logger }): {
  [T in ConsumedType]: ConsumedEventHandler<T>;
} {
  const { sessions, logger } = dependencies;

  async function revoke(
    trx: Knex.Transaction,
    event: CloudEvent<ConsumedType>,
    exceptSessionId: string | null,
    reason: 'password_changed' | 'password_reset' | 'user_deleted',
  ): Promise<void> {
    const { userId, actorId, context } = event.data;
    const revoked = await sessions.revokeAllOfUser(trx, {
      userId,
      exceptSessionId,
      reason,
      cause: { actorId, requestId: context.requestId },
    });
    logger.info(
      { eventId: event.id, eventType: event.type, userId, exceptSessionId, reason, revoked },
      "revoked the user's sessions on identity's event",
    );
  }

  return {
    'platform.identity.user.password_changed.v1': async (event, trx) => {
      if (!event.data.otherSessionsRevoked) return;
      await revoke(trx, event, event.data.keptSessionId, 'password_changed');
    },
    'platform.identity.user.password_reset.v1': async (event, trx) => {
      if (!event.data.sessionsRevoked) return;
      await revoke(trx, event, null, 'password_reset');
    },
    'platform.identity.user.deleted.v1': async (event, trx) => {
      await revoke(trx, event, null, 'user_deleted');
    },
  };
}
