/** The gateway's per-request context, handed to the data sources of every subgraph fetch. */
import type { BaseContext } from '@platform/service-kit';

export type GatewayContext = BaseContext;
