/**
 * A deliberately small HTTP layer on node:http: a route table, JSON bodies with a size
 * limit, request ids. The GraphQL endpoint, health, metrics and internal service APIs
 * all sit on it, with nothing between the socket and the handler we do not need.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arrivedOverTls, NO_TRUSTED_PROXIES, type TrustedProxies } from './client-address.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import { inRequestScope } from './telemetry/request-scope.js';
import { contextFromCarrier, recordFailure, serviceTracer, SpanKind } from './telemetry/spans.js';
import { context, trace } from '@opentelemetry/api';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'BAD_REQUEST',
  ) {
    super(message);
  }
}

export interface RequestInfo {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  requestId: string;
  logger: Logger;
}

export type RouteHandler = (info: RequestInfo) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST' | 'OPTIONS' | '*';
  path: string;
  handler: RouteHandler;
}

const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is well formed, or a new one. */
export function requestIdFrom(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID_PATTERN.test(value) ? value : randomUUID();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reads the whole body as text, refusing more than `limitBytes`. */
export async function readBody(req: IncomingMessage, limitBytes = 1_000_000): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) throw new HttpError(413, `Request body is larger than ${limitBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new HttpError(413, `Request body is larger than ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a JSON body; a body that is not JSON is a 400 that says so. */
export async function readJsonBody(req: IncomingMessage, limitBytes?: number): Promise<unknown> {
  const text = await readBody(req, limitBytes);
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON');
  }
}

/** What an API response may load: nothing; and no page may frame it. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

export interface SecurityHeaderOptions {
  /** Proxies whose `X-Forwarded-Proto: https` is believed; none by default. */
  trustedProxies?: TrustedProxies;
  /** The Content-Security-Policy for a request; {@link API_CONTENT_SECURITY_POLICY} by default. */
  contentSecurityPolicy?: (req: IncomingMessage, url: URL) => string;
}

/**
 * The headers every response of every service carries, set before any handler runs so that
 * errors, 404s and probes have them too. HSTS only over TLS: on plain HTTP it means nothing,
 * and a forged `X-Forwarded-Proto` must not pin a host to HTTPS.
 */
export function applySecurityHeaders(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  options: SecurityHeaderOptions = {},
): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('content-security-policy', options.contentSecurityPolicy?.(req, url) ?? API_CONTENT_SECURITY_POLICY);
  if (arrivedOverTls(req, options.trustedProxies ?? NO_TRUSTED_PROXIES)) {
    res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
  }
}

export interface HttpServerOptions {
  /** Names the tracer of the server's spans (`platform.<service>`); `http` by default. */
  service?: string;
  /** Security headers on every response: see {@link applySecurityHeaders}. */
  security?: SecurityHeaderOptions;
  routes: Route[];
  logger: Logger;
  metrics?: ServiceMetrics;
  /** Handles requests that match no route; defaults to a JSON 404. */
  fallback?: RouteHandler;
}

export interface RunningHttpServer {
  server: Server;
  url: string;
  port: number;
}

export function createHttpServer(options: HttpServerOptions): Server {
  const routes = new Map<string, Route>();
  for (const route of options.routes) routes.set(`${route.method} ${route.path}`, route);
  const tracer = serviceTracer(options.service ?? 'http');

  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = requestIdFrom(req);
    res.setHeader('x-request-id', requestId);
    applySecurityHeaders(req, res, url, options.security);
    const route = routes.get(`${req.method ?? 'GET'} ${url.pathname}`) ?? routes.get(`* ${url.pathname}`);
    const routeLabel = route ? url.pathname : 'unmatched';
    const logger = options.logger.child({ requestId });
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      options.metrics?.httpRequests.inc({ route: routeLabel, status: String(res.statusCode) });
      // An access log line per request, carrying the request id; probes are too chatty to log.
      if (!PROBE_PATHS.has(url.pathname)) {
        const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info(
          { method: req.method, path: url.pathname, status: res.statusCode, durationMs },
          'request completed',
        );
      }
    });

    const handler =
      route?.handler ?? options.fallback ?? ((info: RequestInfo) => sendJson(info.res, 404, { error: 'Not found' }));
    const run = () =>
      Promise.resolve(handler({ req, res, url, requestId, logger })).catch((error: unknown) => {
        if (error instanceof HttpError) {
          if (!res.headersSent) sendJson(res, error.status, { error: error.message, code: error.code });
          return;
        }
        logger.error({ err: error }, 'unhandled error in HTTP handler');
        if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
        else res.destroy();
      });
    // Probes are not traced: they would be most of the spans and none of the answers.
    if (PROBE_PATHS.has(url.pathname)) {
      void run();
      return;
    }
    // A server span continuing the caller's trace (`traceparent`), around the whole handler.
    const parent = contextFromCarrier(req.headers);
    const span = tracer.startSpan(
      `${req.method ?? 'GET'} ${routeLabel}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method ?? 'GET',
          'http.route': routeLabel,
          'url.path': url.pathname,
          'platform.request_id': requestId,
        },
      },
      parent,
    );
    res.on('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) recordFailure(span, new Error(`HTTP ${res.statusCode}`));
      span.end();
    });
    void context.with(trace.setSpan(parent, span), () => inRequestScope(requestId, run));
  });
}

/** What `/readyz` answers: 200 when `ready`, 503 when not, with each check's result. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, unknown>;
}

/**
 * The probe routes every service serves: `/healthz` (the process answers), `/readyz` (what
 * `readiness` reports) and, when `metrics` is given, `/metrics` (its Prometheus registry). The
 * gateway leaves `metrics` out: its port is public, so it serves {@link metricsRoute} on a port of its own.
 */
export function probeRoutes(options: { metrics?: ServiceMetrics; readiness: () => Promise<Readiness> }): Route[] {
  return [
    { method: 'GET', path: '/healthz', handler: ({ res }) => sendJson(res, 200, { status: 'ok' }) },
    {
      method: 'GET',
      path: '/readyz',
      handler: async ({ res }) => {
        const { ready, checks } = await options.readiness();
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
      },
    },
    ...(options.metrics ? [metricsRoute(options.metrics)] : []),
  ];
}

/** `GET /metrics`: the service's Prometheus registry in the text exposition format. */
export function metricsRoute(metrics: ServiceMetrics): Route {
  const { registry } = metrics;
  return {
    method: 'GET',
    path: '/metrics',
    handler: async ({ res }) => sendText(res, 200, await registry.metrics(), registry.contentType),
  };
}

/** Listens on `port` (0 picks a free one) and resolves with the bound URL. */
export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<RunningHttpServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return { server, port: address.port, url: `http://${shownHost}:${address.port}` };
}

/** Stops accepting connections and closes idle keep-alive sockets so shutdown does not hang. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
