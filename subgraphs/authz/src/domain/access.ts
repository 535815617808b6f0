/**
 * Checks inside the subgraph, behind the gateway's: the gateway enforces the schema's
 * `@requiresScopes` and `@authenticated`, and every operation checks again here from the
 * permissions in the gateway proof (defense in depth), plus the object-level rules the
 * schema cannot express (whose roles a caller may read).
 */
import { forbidden, Permission, requireUserId, type BaseContext, type PermissionCode } from '@platform/service-kit';

/** The caller's user id when they hold `permission`: UNAUTHENTICATED when anonymous, FORBIDDEN without it. */
export function requirePermission(context: BaseContext, permission: PermissionCode): string {
  const userId = requireUserId(context);
  if (!context.caller.permissions.includes(permission)) {
    throw forbidden(`You need the ${permission} permission to do this`);
  }
  return userId;
}

/**
 * A caller may read their own roles and permissions; another user's only with
 * `authz.role.read`, or right after changing that user's roles (`changedByCaller`, set by the
 * assignment mutations, which already required `authz.role.assign`).
 */
export function requireAccessReadable(context: BaseContext, user: { id: string; changedByCaller?: boolean }): void {
  const callerId = requireUserId(context);
  if (callerId.toLowerCase() === user.id.toLowerCase() || user.changedByCaller) return;
  if (!context.caller.permissions.includes(Permission.AuthzRoleRead)) {
    throw forbidden(`Reading another user's roles and permissions needs the ${Permission.AuthzRoleRead} permission`);
  }
}
