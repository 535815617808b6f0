/** What every resolver of every subgraph can rely on being in its context. */
import { unauthenticated } from './errors.js';
import type { Caller } from './gateway-proof.js';
import type { Logger } from './logger.js';

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
