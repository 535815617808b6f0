/**
 * Sharing work between identical requests in flight: inbound (one execution for identical
 * anonymous queries) and outbound (one subgraph fetch for identical subgraph queries).
 * Whatever might differ between callers, and mutations, is never shared.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphHttpClient } from '../src/http-client.js';
import { createInboundDeduplicationKey } from '../src/inbound-deduplication.js';

function request(
  headers: Record<string, string>,
  body: unknown,
  method = 'POST',
): Parameters<ReturnType<typeof createInboundDeduplicationKey>>[0] {
  const req = { method, headers, socket: { remoteAddress: '10.0.0.1' } as Socket } as unknown as IncomingMessage;
  return { req, url: new URL('http://gateway/graphql'), bodyText: JSON.stringify(body), body };
}

const query = { query: 'query Q { me { id } }', operationName: 'Q' };
const headers = { 'content-type': 'application/json', 'x-request-id': 'a' };

describe('inbound deduplication keys', () => {
  const anonymous = createInboundDeduplicationKey('anonymous');

  it('are equal for identical anonymous queries, whatever their request ids', () => {
    const first = anonymous(request(headers, query));
    expect(first).not.toBeNull();
    expect(anonymous(request({ ...headers, 'x-request-id': 'b' }, query))).toBe(first);
  });

  it('differ when the variables, a header or the client address differ', () => {
    const first = anonymous(request(headers, query));
    expect(anonymous(request(headers, { ...query, variables: { a: 1 } }))).not.toBe(first);
    expect(anonymous(request({ ...headers, 'user-agent': 'x' }, query))).not.toBe(first);
    const elsewhere = request(headers, query);
    (elsewhere.req.socket as { remoteAddress?: string }).remoteAddress = '10.0.0.2';
    expect(anonymous(elsewhere)).not.toBe(first);
  });

  it('are null for mutations, subscriptions, GET, unparsable or hash-only requests', () => {
    expect(anonymous(request(headers, { query: 'mutation M { logout }' }))).toBeNull();
    expect(anonymous(request(headers, { query: 'subscription S { events { id } }' }))).toBeNull();
    expect(anonymous(request(headers, { query: 'query Q { a } mutation M { b }', operationName: 'M' }))).toBeNull();
    expect(anonymous(request(headers, { query: 'query Q { a } mutation M { b }' }))).toBeNull();
    expect(anonymous(request(headers, query, 'GET'))).toBeNull();
    expect(anonymous(request(headers, { query: 'query {' }))).toBeNull();
    expect(anonymous(request(headers, { extensions: { persistedQuery: { sha256Hash: 'x' } } }))).toBeNull();
  });

  it('share authenticated requests only in `token` mode, and only with the same token', () => {
    const alice = { ...headers, authorization: 'Bearer alice' };
    expect(anonymous(request(alice, query))).toBeNull();
    const token = createInboundDeduplicationKey('token');
    expect(token(request(alice, query))).toBe(token(request({ ...alice, 'x-request-id': 'c' }, query)));
    expect(token(request(alice, query))).not.toBe(token(request({ ...headers, authorization: 'Bearer bob' }, query)));
    expect(createInboundDeduplicationKey('off')(request(headers, query))).toBeNull();
  });
});

describe('the subgraph HTTP client', () => {
  let server: Server;
  let url: string;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(`${String(req.headers['x-gateway-proof'] ?? '')} ${body}`);
        // Slow enough that concurrent identical fetches overlap.
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=5' });
          res.end(JSON.stringify({ data: { n: received.length } }));
        }, 50);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const client = createSubgraphHttpClient({ timeoutMs: 5000 });
  const post = (body: string, proof: string, requestId: string) =>
    client.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gateway-proof': proof, 'x-request-id': requestId },
      body,
    });

  it('answers like fetch: status, headers, JSON body', async () => {
    const response = await post('{"query":"{ n }"}', 'p', '1');
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('max-age=5');
    expect(await response.json()).toMatchObject({ data: {} });
  });

  it('shares identical queries in flight, never mutations or another caller’s', async () => {
    received.length = 0;
    const queryBody = '{"query":"query A__products__0{n}"}';
    const mutationBody = '{"query":"mutation B__products__0{n}"}';
    const responses = await Promise.all([
      post(queryBody, 'alice', '1'),
      post(queryBody, 'alice', '2'),
      post(queryBody, 'bob', '3'),
      post(mutationBody, 'alice', '4'),
      post(mutationBody, 'alice', '5'),
    ]);
    expect(received.filter((line) => line === `alice ${queryBody}`)).toHaveLength(1);
    expect(received.filter((line) => line === `bob ${queryBody}`)).toHaveLength(1);
    expect(received.filter((line) => line === `alice ${mutationBody}`)).toHaveLength(2);
    const bodies = await Promise.all(responses.map((response) => response.json()));
    expect(bodies[0]).toEqual(bodies[1]);
    expect(client.deduplicated()).toBe(1);
  });

  it('shares identical queries of different traces: the trace context is not part of the key', async () => {
    received.length = 0;
    const before = client.deduplicated();
    const queryBody = '{"query":"query T__products__0{n}"}';
    const traced = (traceId: string) =>
      client.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-gateway-proof': 'alice',
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
        body: queryBody,
      });
    await Promise.all([traced('4bf92f3577b34da6a3ce929d0e0e4736'), traced('0af7651916cd43dd8448eb211c80319c')]);
    expect(received.filter((line) => line === `alice ${queryBody}`)).toHaveLength(1);
    expect(client.deduplicated()).toBe(before + 1);
  });

  afterAll(() => client.close());
});
