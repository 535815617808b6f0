/**
 * The gateway's subgraph data source on its pooled HTTP client: one plain POST per fetch,
 * carrying the caller's proof, request id, user agent and address; a subgraph's error status,
 * a body that is not JSON and its `Cache-Control` handled as `RemoteGraphQLDataSource` does.
 */
import { GraphQLError } from 'graphql';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGatewayProofSigner,
  createGatewayProofVerifier,
  generateGatewayKeys,
  type GatewayKeys,
} from '@platform/service-kit';
import { createSubgraphHttpClient } from '../src/http-client.js';
import { SubgraphDataSource } from '../src/subgraph-data-source.js';
import type { GatewayContext } from '../src/context.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: unknown;
}

let server: Server;
let url: string;
let keys: GatewayKeys;
const received: Received[] = [];
/** What the subgraph answers next: status, content type, body, Cache-Control. */
let answer = { status: 200, contentType: 'application/json', body: '{"data":{"n":1}}', cacheControl: '' };

beforeAll(async () => {
  keys = await generateGatewayKeys('test');
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) as unknown });
      res.writeHead(answer.status, {
        'content-type': answer.contentType,
        ...(answer.cacheControl ? { 'cache-control': answer.cacheControl } : {}),
      });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await http.close();
});

const http = createSubgraphHttpClient({ timeoutMs: 5000 });

function fetchThrough(policy?: { restrict(hint: { maxAge?: number; scope?: string }): void }) {
  const source = new SubgraphDataSource(
    'products',
    url,
    createGatewayProofSigner({ privateJwk: keys.privateJwk }),
    http,
  );
  const context = {
    requestId: 'req-1',
    caller: { userId: 'u-1', sessionId: 's-1', permissions: ['bench.read'] },
    client: { ip: '10.0.0.7', userAgent: 'test-agent' },
  } as unknown as GatewayContext;
  return source.process({
    kind: 'incoming operation',
    request: { query: 'query Q__products__0($n:Int){n}', variables: { n: 2 }, operationName: 'Q__products__0' },
    context,
    incomingRequestContext: { overallCachePolicy: policy } as never,
  } as never);
}

describe('the subgraph data source', () => {
  it("sends one POST with the caller's proof, request id, user agent and address, and returns the parsed answer", async () => {
    answer = { status: 200, contentType: 'application/json', body: '{"data":{"n":1}}', cacheControl: '' };
    received.length = 0;
    const response = await fetchThrough();
    expect(response).toEqual({ data: { n: 1 } });
    expect(received).toHaveLength(1);
    const [sent] = received;
    expect(sent!.body).toEqual({
      query: 'query Q__products__0($n:Int){n}',
      variables: { n: 2 },
      operationName: 'Q__products__0',
    });
    expect(sent!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-request-id': 'req-1',
      'user-agent': 'test-agent',
      'x-forwarded-for': '10.0.0.7',
    });
    const verifier = createGatewayProofVerifier({ jwks: keys.publicJwks, audience: 'products' });
    expect(await verifier.verify(sent!.headers['x-gateway-proof'] as string)).toEqual({
      userId: 'u-1',
      sessionId: 's-1',
      permissions: ['bench.read'],
    });
  });

  it('turns an error status into an error naming it (UNAUTHENTICATED for 401), with the body', async () => {
    answer = { status: 401, contentType: 'application/json', body: '{"errors":[{"message":"no"}]}', cacheControl: '' };
    const error = (await fetchThrough().catch((caught: unknown) => caught)) as GraphQLError;
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error.message).toBe('401: Unauthorized');
    expect(error.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      response: { status: 401, body: { errors: [{ message: 'no' }] } },
    });
  });

  it('refuses a body that is not JSON', async () => {
    answer = { status: 200, contentType: 'text/plain', body: 'hello', cacheControl: '' };
    await expect(fetchThrough()).rejects.toThrow('Expected JSON response body, but received: hello');
  });

  it("restricts the response's cache policy by the subgraph's Cache-Control, to 0 without one", async () => {
    const hints: unknown[] = [];
    const policy = { restrict: (hint: unknown) => hints.push(hint) };
    answer = { status: 200, contentType: 'application/json', body: '{"data":{}}', cacheControl: 'max-age=30, private' };
    await fetchThrough(policy);
    answer = { ...answer, cacheControl: '' };
    await fetchThrough(policy);
    expect(hints).toEqual([{ maxAge: 30, scope: 'PRIVATE' }, { maxAge: 0 }]);
  });
});
