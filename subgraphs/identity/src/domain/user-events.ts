/**
 * Every event identity publishes is about one user (ADR 0002): keyed by the user, so one
 * user's events stay in order on the topic, and naming the user as the event's target.
 */
import { createEvent, type CloudEvent, type EventDataByType, type EventType } from '@platform/service-kit/events';

type UserEventType = Extract<EventType, `platform.identity.user.${string}`>;

/** The event of `type` with `data`, keyed by and targeting `data.userId`. */
export function eventAboutUser<T extends UserEventType>(
  type: T,
  data: Omit<EventDataByType[T], 'target'> & { userId: string },
): CloudEvent<T> {
  return createEvent({
    type,
    subject: data.userId,
    data: { target: { type: 'user', id: data.userId }, ...data } as EventDataByType[T],
  });
}
