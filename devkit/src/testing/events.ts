/**
 * Events as another service's relay publishes them, for testing the subgraphs that consume
 * them: built through the catalog (so a test cannot send what no publisher could), with the
 * envelope fields every event about a user shares filled in.
 *
 *   await authz.publish([userEvent('platform.identity.user.deleted.v1', userId, { reason: null }, { actorId })]);
 */
import { randomUUID } from 'node:crypto';
import {
  createEvent,
  NO_REQUEST,
  type AuditFields,
  type CloudEvent,
  type EventDataByType,
  type EventType,
} from '@platform/service-kit/events';

/** What an event about a user carries beyond the fields {@link userEvent} fills in. */
export type UserEventData<T extends EventType> = Omit<EventDataByType[T], keyof AuditFields | 'userId'>;

/**
 * An event of `type` about `userId`: keyed by the user, naming the user as its target, caused
 * by `actorId` (null: the platform itself) in a request with `requestId` (a new one by default).
 */
export function userEvent<T extends EventType>(
  type: T,
  userId: string,
  data: UserEventData<T>,
  by: { actorId: string | null; requestId?: string },
): CloudEvent<T> {
  return createEvent({
    type,
    subject: userId,
    // The catalog validates the whole event: a type whose data is not about a user is refused here.
    data: {
      actorId: by.actorId,
      target: { type: 'user', id: userId },
      context: { ...NO_REQUEST, requestId: by.requestId ?? `req-${randomUUID()}` },
      userId,
      ...data,
    } as unknown as EventDataByType[T],
  });
}
