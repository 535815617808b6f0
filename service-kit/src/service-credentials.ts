/**
 * Service-to-service calls go over internal HTTP endpoints, never through the public
 * supergraph. Each caller service holds its own bearer credential; the callee knows the
 * credentials it accepts, by caller name (`auth:<token>,gateway:<token>`).
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { constantTimeEqual } from './crypto.js';
import { inSpan, injectTraceHeaders, serviceTracer, SpanKind } from './telemetry/spans.js';
import { HttpError } from './http.js';

export type ServiceCredentials = ReadonlyMap<string, string>;

/** Zod shape for `NAME:TOKEN,NAME:TOKEN` credential lists; tokens must be at least 32 characters. */
export const serviceCredentialsEnv = z.string().transform((text, ctx): ServiceCredentials => {
  const credentials = new Map<string, string>();
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(':');
    const name = entry.slice(0, separator);
    const token = entry.slice(separator + 1);
    if (separator <= 0 || !/^[a-z][a-z0-9-]*$/.test(name)) {
      ctx.addIssue({ code: 'custom', message: 'each entry must read service-name:token' });
      return z.NEVER;
    }
    if (token.length < 32) {
      ctx.addIssue({ code: 'custom', message: `the token for "${name}" must be at least 32 characters` });
      return z.NEVER;
    }
    credentials.set(name, token);
  }
  if (credentials.size === 0) {
    ctx.addIssue({ code: 'custom', message: 'must name at least one service' });
    return z.NEVER;
  }
  return credentials;
});

/** Returns the calling service's name, or throws 401 when the bearer credential is not one we accept. */
export function authenticateService(req: IncomingMessage, accepted: ServiceCredentials): string {
  const header = req.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  let caller: string | null = null;
  // Compare against every credential so timing does not reveal which name matched.
  for (const [name, expected] of accepted) {
    if (constantTimeEqual(token, expected)) caller = name;
  }
  if (!caller) throw new HttpError(401, 'A valid service credential is required', 'UNAUTHENTICATED');
  return caller;
}

export class InternalCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'InternalCallError';
  }
}

export interface InternalClient {
  post<T>(path: string, body: unknown, options?: { requestId?: string }): Promise<T>;
}

/** A JSON client for another service's internal API, with a timeout. */
export function createInternalClient(options: {
  baseUrl: string;
  credential: string;
  timeoutMs?: number;
  /** The calling service: names the tracer of the call's client span. */
  caller?: string;
}): InternalClient {
  const tracer = serviceTracer(options.caller ?? 'internal-client');
  return {
    async post<T>(path: string, body: unknown, callOptions: { requestId?: string } = {}) {
      // Joined as text: `new URL('/x', 'http://h/prefix')` would drop the base URL's path prefix.
      const url = `${options.baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
      const route = `/${path.replace(/^\/+/, '')}`;
      return inSpan(
        tracer,
        `POST ${route}`,
        { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'url.full': url } },
        async (span) => {
          const headers: Record<string, string> = {
            'content-type': 'application/json',
            authorization: `Bearer ${options.credential}`,
            ...(callOptions.requestId ? { 'x-request-id': callOptions.requestId } : {}),
          };
          // The called service continues this trace.
          injectTraceHeaders((name, value) => (headers[name] = value));
          const response = await fetch(url, {
            method: 'POST',
            headers,
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
          });
          span.setAttribute('http.response.status_code', response.status);
          const text = await response.text();
          const parsed: unknown = text ? JSON.parse(text) : undefined;
          if (!response.ok) {
            throw new InternalCallError(
              response.status,
              parsed,
              `internal call ${path} failed with ${response.status}`,
            );
          }
          return parsed as T;
        },
      );
    },
  };
}
