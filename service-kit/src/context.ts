/** What every resolver of every subgraph can rely on being in its context. */
import { forbidden, unauthenticated } from './errors.js';
import type { Caller } from './gateway-proof.js';
import type { Logger } from './logger.js';
import type { PermissionCode } from './__generated__/permissions.js';

export interface BaseContext {
  /** The id the gateway assigned to the client request (`x-request-id`), for logs and audit. */
  requestId: string;
  /** The caller the gateway verified and proved. */
  caller: Caller;
  /** A logger that stamps every line with the request id. */
  logger: Logger;
  /** Client details the gateway forwards, for sessions and audit. */
  client: { ip: string | null; userAgent: string | null };
}

/** The signed-in user's id; UNAUTHENTICATED for anonymous callers. */
export function requireUserId(context: BaseContext): string {
  if (!context.caller.userId) throw unauthenticated();
  return context.caller.userId;
}

/**
 * The caller's user id when they hold `permission`: UNAUTHENTICATED when anonymous, FORBIDDEN
 * without it. Subgraphs check again behind the gateway's `@requiresScopes` (defense in depth).
 */
export function requirePermission(context: BaseContext, permission: PermissionCode): string {
  const userId = requireUserId(context);
  if (!context.caller.permissions.includes(permission)) {
    throw forbidden(`You need the ${permission} permission to do this`);
  }
  return userId;
}
