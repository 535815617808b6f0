/** Runs an Apollo Server request from a node:http request, without a web framework. */
import { HeaderMap, type ApolloServer, type BaseContext as ApolloBaseContext } from '@apollo/server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody } from './http.js';

function toHeaderMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

export async function executeApolloRequest<TContext extends ApolloBaseContext>(
  apollo: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: () => Promise<TContext>,
  options: { bodyLimitBytes?: number } = {},
): Promise<void> {
  const body = req.method === 'POST' ? await readJsonBody(req, options.bodyLimitBytes) : undefined;
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers: toHeaderMap(req), search: url.search, body },
    context,
  });
  for (const [name, value] of result.headers) res.setHeader(name, value);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    res.setHeader('content-length', Buffer.byteLength(result.body.string));
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

export function clientInfo(req: IncomingMessage): { ip: string | null; userAgent: string | null } {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return { ip: first || req.socket.remoteAddress || null, userAgent: req.headers['user-agent'] ?? null };
}
