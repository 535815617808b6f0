/**
 * The object-level rule the schema cannot express: whose roles and permissions a caller may
 * read. Operation-level checks (the permission each field needs, checked again behind the
 * gateway's `@requiresScopes`) are the kit's `requirePermission`.
 */
import { forbidden, Permission, requireUserId, type BaseContext } from '@platform/service-kit';

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
