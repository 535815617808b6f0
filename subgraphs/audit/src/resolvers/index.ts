/** The audit subgraph's resolver map: one file per field, assembled here. */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { AuditEvent } from './AuditEvent.js';
import { DateTime } from '@platform/service-kit';
import { auditLogs } from './Query/auditLogs.js';
import { verifyAuditChain } from './Query/verifyAuditChain.js';
import { auditEvents } from './Subscription/auditEvents.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: { auditLogs, verifyAuditChain },
  Subscription: { auditEvents },
  AuditEvent,
};
