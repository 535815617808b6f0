/** Fields of `AuditEvent` that are not plain columns, and entity resolution for other subgraphs. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { AuditEventResolvers } from '../__generated__/resolvers-types.js';
import { canonicalJson } from '../domain/chain.js';

export const AuditEvent: AuditEventResolvers = {
  // Through the request's DataLoader: N references in one `_entities` call cost one query.
  __resolveReference: (reference, context) => {
    requirePermission(context, Permission.AuditLogRead);
    return context.auditEventById.load(reference.id);
  },
  actor: (event) => (event.actorId ? { id: event.actorId } : null),
  target: (event) =>
    event.targetType !== null && event.targetId !== null ? { type: event.targetType, id: event.targetId } : null,
  metadata: (event) => canonicalJson(event.metadata),
};
