/**
 * A benchmark subgraph as a plain node:http server: POST /graphql runs the operation with
 * graphql-js against the @apollo/subgraph schema, nothing else (no gateway proof, no
 * logging, no plugins), so the subgraphs cost as little as possible next to the gateway
 * being measured. Parsed and validated documents are cached by query text: a gateway sends
 * the same few operations over and over. GET /healthz answers ok; GET /stats counts the
 * GraphQL requests served, so a harness can see how many fetches a gateway made.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, GraphQLError, parse, validate, type DocumentNode, type ExecutionResult } from 'graphql';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { benchSubgraphs, type BenchSubgraphName } from './subgraphs.js';

export interface RunningBenchSubgraph {
  name: BenchSubgraphName;
  /** The GraphQL endpoint, `http://host:port/graphql`. */
  url: string;
  stop(): Promise<void>;
}

interface GraphQLRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

const MAX_CACHED_DOCUMENTS = 1000;

export async function startBenchSubgraph(
  name: BenchSubgraphName,
  port: number,
  host = '127.0.0.1',
): Promise<RunningBenchSubgraph> {
  const schema = buildSubgraphSchema(benchSubgraphs[name]);
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  let served = 0;

  const documentFor = (query: string): DocumentNode | readonly GraphQLError[] => {
    let document = documents.get(query);
    if (document) return document;
    try {
      const parsed = parse(query);
      const errors = validate(schema, parsed);
      document = errors.length > 0 ? errors : parsed;
    } catch (error) {
      document = [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    if (documents.size >= MAX_CACHED_DOCUMENTS) documents.clear();
    documents.set(query, document);
    return document;
  };

  const runGraphQL = async (text: string): Promise<{ status: number; result: ExecutionResult }> => {
    let body: GraphQLRequestBody;
    try {
      body = JSON.parse(text) as GraphQLRequestBody;
    } catch {
      return { status: 400, result: { errors: [new GraphQLError('Body must be JSON')] } };
    }
    if (typeof body.query !== 'string') {
      return { status: 400, result: { errors: [new GraphQLError('Body must have a "query" string')] } };
    }
    const document = documentFor(body.query);
    if (!('kind' in document)) return { status: 400, result: { errors: document } };
    served += 1;
    const result = await execute({
      schema,
      document,
      variableValues: (body.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    });
    return { status: 200, result };
  };

  const send = (res: ServerResponse, status: number, payload: unknown) => {
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url?.split('?', 1)[0];
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/stats') return send(res, 200, { name, served });
    if (req.method !== 'POST' || path !== '/graphql') return send(res, 404, { error: 'not found' });
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const { status, result } = await runGraphQL(Buffer.concat(chunks).toString('utf8'));
    send(res, status, result);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { errors: [{ message: String(error) }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    name,
    url: `http://${host}:${address.port}/graphql`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
