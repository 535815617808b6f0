/**
 * How the gateway calls a subgraph: the caller it verified travels as a signed proof
 * (`x-gateway-proof`, audience = subgraph name), together with the request id and the
 * client's user agent and address, and the trace context. Nothing the client sent is
 * forwarded blindly.
 * Requests go through the gateway's pooled HTTP client (`http-client.ts`) when given one:
 * then [perf] a fetch is one POST of plain headers and body, answered by the parsed JSON,
 * without the node-fetch `Headers`, `Request` and `Response` objects `RemoteGraphQLDataSource`
 * builds around every fetch (what it does otherwise is kept: the error of a non-2xx answer,
 * a text body that is not JSON refused, the subgraph's `Cache-Control` restricting the
 * response's cache policy).
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { anonymousCaller, GATEWAY_PROOF_HEADER, type GatewayProofSigner } from '@platform/service-kit';
import { injectTraceHeaders } from '@platform/service-kit/telemetry';
import type { GatewayContext } from './context.js';
import { SubgraphResponse, type ReadResponse, type SubgraphHttpClient } from './http-client.js';

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraphName: string,
    url: string,
    private readonly proofs: GatewayProofSigner,
    private readonly http?: SubgraphHttpClient,
  ) {
    super(http ? { url, fetcher: http.fetch } : { url });
  }

  /** The caller's proof, request id, user agent, address and trace context, as headers of a subgraph fetch. */
  private async setCallerHeaders(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    set: (name: string, value: string) => void,
  ): Promise<void> {
    // Health checks and schema loads run without a client request: they go as anonymous.
    const context = options.context as Partial<GatewayContext>;
    const caller = context.caller ?? anonymousCaller;
    set(GATEWAY_PROOF_HEADER, await this.proofs.sign(this.subgraphName, caller));
    if (context.requestId) set('x-request-id', context.requestId);
    if (context.client?.userAgent) set('user-agent', context.client.userAgent);
    if (context.client?.ip) set('x-forwarded-for', context.client.ip);
    // W3C trace context of this fetch's span (`gateway.fetch`): the subgraph continues the trace.
    injectTraceHeaders(set);
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = options.request.http?.headers;
    if (!headers) return;
    await this.setCallerHeaders(options, (name, value) => headers.set(name, value));
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    if (!this.http) return super.process(options);
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string> = {};
    // The executor's own headers (only `apollo-federation-include-trace` when it records traces).
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers[name.toLowerCase()] = value;
    headers['content-type'] = 'application/json';
    await this.setCallerHeaders(options, (name, value) => (headers[name] = value));
    const { query, variables, operationName, extensions } = request;
    const body = JSON.stringify({ query, variables, operationName, extensions });
    const response = await this.http.post(this.url, headers, body);
    if (response.status < 200 || response.status >= 300) {
      throw await this.errorFromResponse(new SubgraphResponse(response));
    }
    const parsed = parseBody(response) as GatewayGraphQLResponse | string | null;
    if (typeof parsed !== 'object' || parsed === null) {
      throw new Error(`Expected JSON response body, but received: ${String(parsed)}`);
    }
    // Only a client's operation has an `incomingRequestContext` (health checks and schema loads have none).
    const policy =
      'incomingRequestContext' in options
        ? (options.incomingRequestContext as { overallCachePolicy?: CachePolicy }).overallCachePolicy
        : undefined;
    if (this.honorSubgraphCacheControlHeader && policy?.restrict) {
      policy.restrict(cacheHintOf(headerOf(response, 'cache-control')));
    }
    return parsed;
  }
}

/** What a fetch needs of the response's overall cache policy. */
interface CachePolicy {
  restrict?(hint: { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' }): void;
}

function headerOf(response: ReadResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** JSON when the subgraph says so (as `RemoteGraphQLDataSource.parseBody`), the text otherwise. */
function parseBody(response: ReadResponse): unknown {
  const contentType = headerOf(response, 'content-type');
  const json =
    contentType?.startsWith('application/json') || contentType?.startsWith('application/graphql-response+json');
  return json ? (JSON.parse(response.text) as unknown) : response.text;
}

/** The cache hint of a subgraph's `Cache-Control` (as `RemoteGraphQLDataSource`): max-age, else 0; private or public. */
function cacheHintOf(header: string | undefined): { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' } {
  const hint: { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' } = { maxAge: 0 };
  if (!header) return hint;
  for (const part of header.trim().split(/\s*,\s*/)) {
    const [name, value] = part.split(/\s*=\s*/, 2);
    if (name === 'max-age' && value !== undefined && /^[0-9]+$/.test(value.replace(/^"|"$/g, ''))) {
      hint.maxAge = Number(value.replace(/^"|"$/g, ''));
    } else if (name === 'private' && value === undefined) {
      hint.scope = 'PRIVATE';
    } else if (name === 'public' && value === undefined) {
      hint.scope = 'PUBLIC';
    }
  }
  return hint;
}
