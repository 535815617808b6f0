/**
 * Inbound in-flight deduplication (`INBOUND_DEDUPLICATION`), as Hive Gateway's
 * `inboundInflightRequestDeduplication`: while a GraphQL request executes, an identical one
 * waits for that execution and gets the same response instead of running again.
 *
 * "Identical" is strict, so that sharing can never hand one caller's answer to another:
 * - the operation is a query (never a mutation or subscription), sent as a POST with a
 *   `query` text (a persisted-query hash alone does not share);
 * - the same body byte for byte (operation, operation name, variables, extensions), the
 *   same URL query string;
 * - every request header the same (authorization, cookies, user agent, accept, forwarded
 *   address…) except `x-request-id`, `content-length` and connection headers, and the
 *   same client address;
 * - mode `anonymous` (default): only requests without an `Authorization` header share;
 *   mode `token`: requests with the same access token share too (the token was verified
 *   for each request; they get the response computed with the permissions the first one
 *   resolved, at most one execution earlier); mode `off`: nothing is shared.
 * Each request keeps its own `x-request-id` and access-log line; subgraphs and the
 * operation metrics see the one execution.
 */
import type { IncomingMessage } from 'node:http';
import { executeApolloRequest, InflightExecutions } from '@platform/service-kit';
import { getOperationAST, OperationTypeNode, parse } from 'graphql';

export type InboundDeduplicationMode = 'off' | 'anonymous' | 'token';

const KEY_IGNORED_HEADERS = new Set([
  'x-request-id',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);
const OPERATION_CACHE_MAX = 1000;
const QUERY_TEXT_MAX = 100_000;

export function createInboundDeduplicationKey(mode: InboundDeduplicationMode) {
  /** query text + operation name → whether that operation is a query. */
  const isQuery = new Map<string, boolean>();

  const operationIsQuery = (query: string, operationName: string | null): boolean => {
    const cacheKey = `${operationName ?? ''}\u0000${query}`;
    let known = isQuery.get(cacheKey);
    if (known === undefined) {
      try {
        known = getOperationAST(parse(query), operationName)?.operation === OperationTypeNode.QUERY;
      } catch {
        known = false; // Apollo Server reports the syntax error, unshared
      }
      if (isQuery.size >= OPERATION_CACHE_MAX) isQuery.clear();
      isQuery.set(cacheKey, known);
    }
    return known;
  };

  return ({ req, url, bodyText, body }: { req: IncomingMessage; url: URL; bodyText: string; body: unknown }) => {
    if (mode === 'off' || req.method !== 'POST') return null;
    if (mode === 'anonymous' && req.headers.authorization !== undefined) return null;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
    const { query, operationName } = body as { query?: unknown; operationName?: unknown };
    if (typeof query !== 'string' || query.length > QUERY_TEXT_MAX) return null;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
    if (!operationIsQuery(query, operationName ?? null)) return null;
    let key = `${req.socket.remoteAddress ?? ''}\n${url.search}`;
    for (const [name, value] of Object.entries(req.headers)) {
      if (!KEY_IGNORED_HEADERS.has(name)) key += `\n${name}:${Array.isArray(value) ? value.join('\n\t') : value}`;
    }
    return `${key}\n\n${bodyText}`;
  };
}

/** `executeApolloRequest` with inbound deduplication in `mode` (the same signature). */
export function createDeduplicatingExecutor(mode: InboundDeduplicationMode): typeof executeApolloRequest {
  if (mode === 'off') return executeApolloRequest;
  const deduplication = { executions: new InflightExecutions(), keyOf: createInboundDeduplicationKey(mode) };
  return (apollo, req, res, url, context, options = {}) =>
    executeApolloRequest(apollo, req, res, url, context, { deduplication, ...options });
}
