/** The gateway's per-request context, handed to the data sources of every subgraph fetch. */
import type { BaseContext } from '@platform/service-kit';

export interface GatewayContext extends BaseContext {
  /** When the caller last logged in with credentials (`auth_time`, epoch seconds), for policies. */
  authTime: number | null;
}
