/**
 * `Query.auditLogs`: the audit log, newest first, a page at a time. Keyset pagination: the
 * cursor names the last entry seen, and the next page starts strictly after it, so entries
 * recorded meanwhile never shift a page.
 */
import { InputProblems, Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { decodeAuditCursor, encodeAuditCursor } from '../../domain/cursors.js';
import { isUuid, normaliseUuid } from '../../domain/ids.js';

const AUDIT_LOGS_PAGE_MAX = 100;

/** A DateTime argument as a Date (the scalar parses literals and variables to Dates). */
function toDate(value: Date | string | null | undefined): Date | null {
  if (value == null) return null;
  return value instanceof Date ? value : new Date(value);
}

export const auditLogs: QueryResolvers['auditLogs'] = async (_parent, { filter, first, after }, context) => {
  requirePermission(context, Permission.AuditLogRead);

  // An explicit null means the default, like an omitted argument.
  const size = first ?? 20;
  const position = after == null ? null : decodeAuditCursor(after);
  const problems = new InputProblems();
  problems.add(
    'first',
    Number.isInteger(size) && size >= 1 && size <= AUDIT_LOGS_PAGE_MAX
      ? null
      : `must be between 1 and ${AUDIT_LOGS_PAGE_MAX}`,
  );
  problems.add('after', after != null && position === null ? 'is not a valid cursor' : null);
  problems.add('filter.actorId', filter?.actorId != null && !isUuid(filter.actorId) ? 'must be a UUID' : null);
  problems.throwIfAny();

  // One more than asked tells whether another page follows.
  const listed = await context.auditLog.list(
    {
      actorId: filter?.actorId == null ? null : normaliseUuid(filter.actorId),
      action: filter?.action ?? null,
      targetType: filter?.targetType ?? null,
      targetId: filter?.targetId ?? null,
      outcome: filter?.outcome ?? null,
      occurredAfter: toDate(filter?.occurredAfter),
      occurredBefore: toDate(filter?.occurredBefore),
    },
    position,
    size + 1,
  );
  const edges = listed.slice(0, size).map((event) => {
    context.auditEventById.prime(event.id, event);
    return { cursor: encodeAuditCursor(event), node: event };
  });
  return { edges, pageInfo: { hasNextPage: listed.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
};
