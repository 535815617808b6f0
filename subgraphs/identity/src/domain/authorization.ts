/**
 * Checks inside the subgraph (defense in depth): the gateway already enforces
 * `@requiresScopes`, and we check the same permission again from the caller the gateway
 * proved, so a planning mistake or a direct call with a valid proof cannot skip it.
 */
import { forbidden, requireUserId, type BaseContext, type PermissionCode } from '@platform/service-kit';

/** The caller's user id when they hold `permission`; UNAUTHENTICATED for anonymous callers, FORBIDDEN otherwise. */
export function requirePermission(context: BaseContext, permission: PermissionCode): string {
  const userId = requireUserId(context);
  if (!context.caller.permissions.includes(permission)) {
    throw forbidden(`This needs the ${permission} permission`);
  }
  return userId;
}
