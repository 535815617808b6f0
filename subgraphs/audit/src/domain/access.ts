/**
 * Checks inside the subgraph, behind the gateway's: the gateway enforces the schema's
 * `@requiresScopes`, and every operation checks again here from the permissions in the
 * gateway proof (defense in depth).
 */
import { forbidden, requireUserId, type BaseContext, type PermissionCode } from '@platform/service-kit';

/** The caller's user id when they hold `permission`: UNAUTHENTICATED when anonymous, FORBIDDEN without it. */
export function requirePermission(context: BaseContext, permission: PermissionCode): string {
  const userId = requireUserId(context);
  if (!context.caller.permissions.includes(permission)) {
    throw forbidden(`You need the ${permission} permission to do this`);
  }
  return userId;
}
