/**
 * Who may see and change which post. Operation-level checks repeat the gateway's
 * `@requiresScopes` (defense in depth); "your own post, unless you moderate" only the blog
 * can know.
 */
import { forbidden, Permission, requireUserId, type BaseContext, type PermissionCode } from '@platform/service-kit';
import type { PostModel } from '../mappers.js';

const holds = (context: BaseContext, permission: PermissionCode) => context.caller.permissions.includes(permission);

const isAuthor = (context: BaseContext, post: PostModel) =>
  context.caller.userId !== null && context.caller.userId.toLowerCase() === post.authorId;

/** The caller's id when they hold `permission` or moderate; UNAUTHENTICATED / FORBIDDEN otherwise. */
export function requireWriter(context: BaseContext, permission: PermissionCode): string {
  const userId = requireUserId(context);
  if (!holds(context, permission) && !holds(context, Permission.BlogPostModerate)) {
    throw forbidden(`You need the ${permission} permission to do this`);
  }
  return userId;
}

/** Anyone sees a published post; the rest only its author, readers of every post, and moderators. */
export function canSee(context: BaseContext, post: PostModel): boolean {
  return (
    post.status === 'PUBLISHED' ||
    isAuthor(context, post) ||
    holds(context, Permission.BlogPostRead) ||
    holds(context, Permission.BlogPostModerate)
  );
}

/** FORBIDDEN unless the caller wrote the post or moderates. */
export function requireAuthorOrModerator(context: BaseContext, post: PostModel, action: string): void {
  if (isAuthor(context, post) || holds(context, Permission.BlogPostModerate)) return;
  throw forbidden(`Only the author of this post (or someone holding ${Permission.BlogPostModerate}) may ${action} it`);
}
