/**
 * `Subscription.auditEvents`: recorded events as they are recorded, from the in-process
 * `AuditStream`, with the filter applied. The permission is checked when subscribing.
 */
import { badUserInput, Permission } from '@platform/service-kit';
import type { SubscriptionResolvers } from '../../__generated__/resolvers-types.js';
import { requirePermission } from '../../domain/access.js';
import { isUuid, normaliseUuid } from '../../domain/ids.js';
import type { AuditEventModel } from '../../mappers.js';

export const auditEvents: SubscriptionResolvers['auditEvents'] = {
  subscribe: (_parent, { filter }, context) => {
    requirePermission(context, Permission.AuditLogRead);
    if (filter?.actorId != null && !isUuid(filter.actorId)) throw badUserInput({ 'filter.actorId': 'must be a UUID' });
    return context.stream.subscribe({
      action: filter?.action ?? null,
      outcome: filter?.outcome ?? null,
      actorId: filter?.actorId == null ? null : normaliseUuid(filter.actorId),
    });
  },
  // The stream yields the entries themselves, not `{ auditEvents }` payloads.
  resolve: (event: AuditEventModel) => event,
};
