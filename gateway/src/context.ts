/** The gateway's per-request context, handed to the data sources of every subgraph fetch. */
import type { BaseContext } from '@platform/service-kit';
import type { RateLimitState } from './rate-limits.js';

export interface GatewayContext extends BaseContext {
  /** When the caller last logged in with credentials (`auth_time`, epoch seconds), for policies. */
  authTime: number | null;
  /** The request rate limits this request was counted against, for the `RateLimit` response fields. */
  rateLimitStates?: readonly RateLimitState[];
}
