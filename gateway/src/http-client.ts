/**
 * The gateway's HTTP client for subgraph fetches: undici with pooled keep-alive connections
 * per subgraph origin, in place of @apollo/gateway's default (make-fetch-happen over
 * node-fetch), which costs an `Error` (a stack trace) and a fresh agent lookup per request.
 * It is a `Fetcher` for `RemoteGraphQLDataSource`: the response is read whole and handed
 * back as a small fetch-compatible object; `post` is the same exchange without the fetch
 * objects, for the gateway's own data source (`subgraph-data-source.ts`).
 *
 * Identical subgraph *queries* in flight share one HTTP exchange: same URL, same body, same
 * headers (so the same caller proof, user agent and client address), `x-request-id` aside.
 * The subgraph then sees the first request's id. Mutations are never shared.
 */
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, request } from 'undici';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherRequestInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

export interface SubgraphHttpClientOptions {
  /** Time allowed for a subgraph's response headers, then between body chunks (ms). */
  timeoutMs: number;
  /** Connections kept per subgraph origin (default 128). */
  connectionsPerOrigin?: number;
  /** Share identical in-flight subgraph queries (default true). */
  deduplicate?: boolean;
}

export interface SubgraphHttpClient {
  fetch: Fetcher;
  /** POSTs `body` with `headers` (lower-case names) and reads the whole response; shared like `fetch`. */
  post(url: string, headers: Record<string, string>, body: string): Promise<ReadResponse>;
  /** Fetches answered by another identical fetch in flight, since start. */
  deduplicated(): number;
  close(): Promise<void>;
}

export interface ReadResponse {
  url: string;
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Header names left out of the deduplication key: they differ per request but not per answer.
 * The trace context too: a shared fetch continues the first request's trace, and the others'
 * traces show their own `gateway.fetch` span that waited for it.
 */
const KEY_IGNORED_HEADERS = new Set(['x-request-id', 'content-length', 'traceparent', 'tracestate']);

/** A subgraph operation the query planner wrote (`{"query":"query …` or `{"query":"{…`): a query. */
function isQueryBody(body: string): boolean {
  return body.startsWith('{"query":"query') || body.startsWith('{"query":"{');
}

export function createSubgraphHttpClient(options: SubgraphHttpClientOptions): SubgraphHttpClient {
  const dispatcher = new Agent({
    connections: options.connectionsPerOrigin ?? 128,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const inflight = new Map<string, Promise<ReadResponse>>();
  const deduplicate = options.deduplicate ?? true;
  let deduplicated = 0;

  const send = async (url: string, init: FetcherRequestInit): Promise<ReadResponse> => {
    const response = await request(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers: init.headers ?? {},
      body: init.body ?? null,
      signal: init.signal as AbortSignal | undefined,
      dispatcher,
    });
    const text = await response.body.text();
    return {
      url,
      status: response.statusCode,
      statusText: response.statusText ?? '',
      headers: response.headers,
      text,
    };
  };

  /** `send`, shared with an identical query in flight (the key: URL, headers but the ignored ones, body). */
  const sendShared = (url: string, headers: Record<string, string>, body: string, init: FetcherRequestInit) => {
    let key = url;
    for (const name in headers) {
      const lower = name.toLowerCase();
      if (!KEY_IGNORED_HEADERS.has(lower)) key += `\n${lower}:${headers[name]}`;
    }
    key += `\n\n${body}`;
    let shared = inflight.get(key);
    if (shared) {
      deduplicated += 1;
    } else {
      shared = send(url, init).finally(() => inflight.delete(key));
      inflight.set(key, shared);
    }
    return shared;
  };

  const fetch: Fetcher = async (url, init = {}) => {
    const body = typeof init.body === 'string' ? init.body : null;
    if (!deduplicate || init.signal || body === null || (init.method ?? 'GET') !== 'POST' || !isQueryBody(body)) {
      return new SubgraphResponse(await send(url, init));
    }
    return new SubgraphResponse(await sendShared(url, init.headers ?? {}, body, init));
  };

  const post = (url: string, headers: Record<string, string>, body: string): Promise<ReadResponse> => {
    const init = { method: 'POST', headers, body };
    return deduplicate && isQueryBody(body) ? sendShared(url, headers, body, init) : send(url, init);
  };

  return {
    fetch,
    post,
    deduplicated: () => deduplicated,
    close: () => dispatcher.close(),
  };
}

class SubgraphHeaders implements FetcherHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  append(): void {
    throw new TypeError('subgraph response headers are read-only');
  }

  delete(): void {
    throw new TypeError('subgraph response headers are read-only');
  }

  set(): void {
    throw new TypeError('subgraph response headers are read-only');
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** A subgraph's response, already read: what `RemoteGraphQLDataSource` needs of a fetch `Response`. */
export class SubgraphResponse implements FetcherResponse {
  readonly redirected = false;
  readonly headers: FetcherHeaders;
  private used = false;

  constructor(private readonly response: ReadResponse) {
    this.headers = new SubgraphHeaders(response.headers);
  }

  get url(): string {
    return this.response.url;
  }

  get status(): number {
    return this.response.status;
  }

  get ok(): boolean {
    return this.response.status >= 200 && this.response.status < 300;
  }

  get statusText(): string {
    return this.response.statusText;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  private consume(): string {
    if (this.used) throw new TypeError('body used already');
    this.used = true;
    return this.response.text;
  }

  async text(): Promise<string> {
    return this.consume();
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.consume()) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(this.consume(), 'utf8');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }

  clone(): FetcherResponse {
    if (this.used) throw new TypeError('body used already');
    return new SubgraphResponse(this.response);
  }
}
