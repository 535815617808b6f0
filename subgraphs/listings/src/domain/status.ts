/**
 * An event's status as clients read it. Only DRAFT, PUBLISHED and CANCELLED are stored (and
 * travel in domain events); a published event whose end has passed reads as ENDED, so no job
 * has to flip it at the right moment and consumers can derive the same from `endsAt`.
 */
import type { EventModel } from '../mappers.js';

export type EventStatus = 'DRAFT' | 'PUBLISHED' | 'CANCELLED' | 'ENDED';

export function statusAt(event: Pick<EventModel, 'status' | 'endsAt'>, now: Date): EventStatus {
  return event.status === 'PUBLISHED' && event.endsAt.getTime() <= now.getTime() ? 'ENDED' : event.status;
}
