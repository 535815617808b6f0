/**
 * The one call listings makes to bookings and waits for: lowering a ticket type's capacity on
 * a published event. Bookings owns what is sold and held, so it decides, and applies the new
 * capacity under its own lock when it agrees. Raising capacity needs no call: the next event
 * snapshot carries it.
 *
 *   POST <BOOKINGS_INTERNAL_URL>/internal/ticket-types/capacity  { ticketTypeId, eventId, capacity }
 *     → 200 { ok: true }  |  409 { error: 'capacity_below_sold', sold, held }
 */
import { InternalCallError, type InternalClient } from '@platform/service-kit';
import { z } from 'zod';

/** Bookings refused: more tickets are sold and held than the capacity asked for. */
export class CapacityBelowSoldError extends Error {
  constructor(
    readonly sold: number,
    readonly held: number,
  ) {
    super(`${sold} tickets are sold and ${held} held`);
    this.name = 'CapacityBelowSoldError';
  }
}

const refusal = z.object({ error: z.literal('capacity_below_sold'), sold: z.number().int(), held: z.number().int() });

export interface BookingsCapacity {
  /** Asks bookings to lower the capacity; throws {@link CapacityBelowSoldError} when it refuses. */
  lower(change: { ticketTypeId: string; eventId: string; capacity: number }, requestId: string): Promise<void>;
}

/** Through the kit's client for bookings' internal API, or one that says it is missing. */
export function createBookingsCapacity(client: InternalClient | null): BookingsCapacity {
  return {
    async lower(change, requestId) {
      // Without bookings nobody knows what is sold: refusing is the only safe answer.
      if (!client) throw new Error('BOOKINGS_INTERNAL_URL is not set: cannot lower the capacity of a published event');
      try {
        await client.post('internal/ticket-types/capacity', change, { requestId });
      } catch (error) {
        const parsed =
          error instanceof InternalCallError && error.status === 409 ? refusal.safeParse(error.body) : null;
        if (parsed?.success) throw new CapacityBelowSoldError(parsed.data.sold, parsed.data.held);
        throw error;
      }
    },
  };
}
