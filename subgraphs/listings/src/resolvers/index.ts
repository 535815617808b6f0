/** The listings subgraph's resolver map: one file per field, assembled here. */
import { DateTime, DecimalScalar } from '@platform/service-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Event } from './Event.js';
import { Money } from './Money.js';
import { addTicketType } from './Mutation/addTicketType.js';
import { cancelEvent } from './Mutation/cancelEvent.js';
import { createEvent } from './Mutation/createEvent.js';
import { createVenue } from './Mutation/createVenue.js';
import { publishEvent } from './Mutation/publishEvent.js';
import { updateEvent } from './Mutation/updateEvent.js';
import { updateTicketType } from './Mutation/updateTicketType.js';
import { updateVenue } from './Mutation/updateVenue.js';
import { event } from './Query/event.js';
import { events } from './Query/events.js';
import { venue } from './Query/venue.js';
import { venues } from './Query/venues.js';
import { TicketType } from './TicketType.js';
import { Venue } from './Venue.js';

export const resolvers: Resolvers = {
  DateTime,
  Decimal: DecimalScalar,
  Query: { event, events, venue, venues },
  Mutation: {
    createVenue,
    updateVenue,
    createEvent,
    updateEvent,
    addTicketType,
    updateTicketType,
    publishEvent,
    cancelEvent,
  },
  Event,
  Venue,
  TicketType,
  Money,
};
