/** The analytics subgraph's resolver map: one file per field or type, assembled here. */
import { DateScalar, DecimalScalar } from '@platform/service-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Event } from './Event.js';
import { eventSalesCsv } from './Query/eventSalesCsv.js';
import { platformActivity } from './Query/platformActivity.js';
import { platformActivityCsv } from './Query/platformActivityCsv.js';

export const resolvers: Resolvers = {
  Date: DateScalar,
  Decimal: DecimalScalar,
  Query: { platformActivity, platformActivityCsv, eventSalesCsv },
  Event,
};
