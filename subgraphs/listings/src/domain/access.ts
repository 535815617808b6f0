/**
 * Who may do what with venues and events. Operation-level checks repeat the gateway's
 * `@requiresScopes` (defense in depth); object-level rules (your own venue or event, unless
 * you hold `listings.event.manage`) only a subgraph can know.
 */
import { forbidden, Permission, requireUserId, type BaseContext, type PermissionCode } from '@platform/service-kit';
import type { EventModel, VenueModel } from '../mappers.js';

/** The caller's id when they hold `permission` or `listings.event.manage`; UNAUTHENTICATED / FORBIDDEN otherwise. */
export function requireOrganizer(context: BaseContext, permission: PermissionCode): string {
  const userId = requireUserId(context);
  const held = context.caller.permissions;
  if (!held.includes(permission) && !held.includes(Permission.ListingsEventManage)) {
    throw forbidden(`You need the ${permission} permission to do this`);
  }
  return userId;
}

function canManageAny(context: BaseContext): boolean {
  return context.caller.permissions.includes(Permission.ListingsEventManage);
}

const isOwner = (context: BaseContext, owned: { organizerId: string }) =>
  context.caller.userId !== null && context.caller.userId.toLowerCase() === owned.organizerId.toLowerCase();

/** FORBIDDEN unless the caller organizes `owned` or manages every listing. */
export function requireOwnership(context: BaseContext, owned: VenueModel | EventModel, what: 'venue' | 'event'): void {
  if (isOwner(context, owned) || canManageAny(context)) return;
  throw forbidden(
    `Only the organizer of this ${what} (or someone holding ${Permission.ListingsEventManage}) may change it`,
  );
}

/**
 * Whether the caller may see the event: anyone once it was published (also after it ended or
 * was cancelled, so ticket holders can read why); a draft only its organizer and managers.
 */
export function canSee(context: BaseContext, event: EventModel): boolean {
  return event.publishedAt !== null || isOwner(context, event) || canManageAny(context);
}
