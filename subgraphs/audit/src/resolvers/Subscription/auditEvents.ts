/**
 * `Subscription.auditEvents`: recorded events as they are recorded, from the in-process
 * `AuditStream`, with the filter applied. The permission is checked when subscribing.
 */
import { InputProblems, Permission, requirePermission } from '@platform/service-kit';
import type { SubscriptionResolvers } from '../../__generated__/resolvers-types.js';
import { isUuid, normaliseUuid } from '../../domain/ids.js';
import type { AuditEventModel } from '../../mappers.js';

export const auditEvents: SubscriptionResolvers['auditEvents'] = {
  subscribe: (_parent, { filter }, context) => {
    requirePermission(context, Permission.AuditLogRead);
    const problems = new InputProblems();
    problems.add('filter.actorId', filter?.actorId != null && !isUuid(filter.actorId) ? 'must be a UUID' : null);
    problems.throwIfAny();
    return context.stream.subscribe({
      action: filter?.action ?? null,
      outcome: filter?.outcome ?? null,
      actorId: filter?.actorId == null ? null : normaliseUuid(filter.actorId),
    });
  },
  // The stream yields the entries themselves, not `{ auditEvents }` payloads.
  resolve: (event: AuditEventModel) => event,
};
