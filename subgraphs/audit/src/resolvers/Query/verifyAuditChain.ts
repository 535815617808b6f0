/** `Query.verifyAuditChain`: recomputes the hash chain and reports the first entry that does not match. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { verifyAuditChain as verify } from '../../domain/verify.js';

export const verifyAuditChain: QueryResolvers['verifyAuditChain'] = async (_parent, _args, context) => {
  requirePermission(context, Permission.AuditLogVerify);
  const result = await verify(context.db);
  if (!result.valid) {
    context.logger.error(
      { firstBrokenId: result.firstBrokenId, checked: result.checked },
      'the audit log hash chain is broken',
    );
  }
  return result;
};
