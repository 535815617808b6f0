/**
 * How the gateway calls a subgraph: the caller it verified travels as a signed proof
 * (`x-gateway-proof`, audience = subgraph name), together with the request id and the
 * client's user agent and address, and the trace context. Nothing the client sent is
 * forwarded blindly.
 * Requests go through the gateway's pooled HTTP client (`http-client.ts`) when given one.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { anonymousCaller, GATEWAY_PROOF_HEADER, type GatewayProofSigner } from '@platform/service-kit';
import { injectTraceHeaders } from '@platform/service-kit/telemetry';
import type { GatewayContext } from './context.js';
import type { SubgraphHttpClient } from './http-client.js';

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraphName: string,
    url: string,
    private readonly proofs: GatewayProofSigner,
    http?: SubgraphHttpClient,
  ) {
    super(http ? { url, fetcher: http.fetch } : { url });
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = options.request.http?.headers;
    if (!headers) return;
    // Health checks and schema loads run without a client request: they go as anonymous.
    const context = options.context as Partial<GatewayContext>;
    const caller = context.caller ?? anonymousCaller;
    headers.set(GATEWAY_PROOF_HEADER, await this.proofs.sign(this.subgraphName, caller));
    if (context.requestId) headers.set('x-request-id', context.requestId);
    if (context.client?.userAgent) headers.set('user-agent', context.client.userAgent);
    if (context.client?.ip) headers.set('x-forwarded-for', context.client.ip);
    // W3C trace context of this fetch's span (`gateway.fetch`): the subgraph continues the trace.
    injectTraceHeaders((name, value) => headers.set(name, value));
  }
}
