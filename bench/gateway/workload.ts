/**
 * The standard federation gateway workload: `TestQuery` (workload/query.graphql), the
 * reference supergraph it runs on (workload/reference-supergraph.graphql, both as published
 * by graphql-hive/graphql-gateways-benchmark), the response every gateway must return
 * (expected-response.json), and a one-fetch query that shows a gateway's own overhead.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const TEST_QUERY_FILE = path.join(here, 'workload', 'query.graphql');
const REFERENCE_SUPERGRAPH_FILE = path.join(here, 'workload', 'reference-supergraph.graphql');
export const EXPECTED_RESPONSE_FILE = path.join(here, 'expected-response.json');

/** Served by the products subgraph alone: through any gateway it is exactly one fetch. */
export const SINGLE_SUBGRAPH_QUERY = 'query TopProducts { topProducts { upc name price } }';

export interface Workload {
  /** The JSON request body of `TestQuery`. */
  testQueryBody: string;
  /** The JSON request body of the single-subgraph query. */
  singleSubgraphBody: string;
  referenceSupergraph: string;
  expectedResponse: unknown;
}

/** The JSON request body of `TestQuery`. */
export async function readTestQueryBody(): Promise<string> {
  return JSON.stringify({ query: await readFile(TEST_QUERY_FILE, 'utf8'), operationName: 'TestQuery' });
}

export async function loadWorkload(): Promise<Workload> {
  const [testQueryBody, referenceSupergraph, expected] = await Promise.all([
    readTestQueryBody(),
    readFile(REFERENCE_SUPERGRAPH_FILE, 'utf8'),
    readFile(EXPECTED_RESPONSE_FILE, 'utf8'),
  ]);
  return {
    testQueryBody,
    singleSubgraphBody: JSON.stringify({ query: SINGLE_SUBGRAPH_QUERY, operationName: 'TopProducts' }),
    referenceSupergraph,
    expectedResponse: JSON.parse(expected) as unknown,
  };
}

/**
 * For the load driver's per-response check: a body that is all `data` (starts with it and
 * ends with the close of the last list field), so a response with `errors` fails it.
 * The complete comparison with the expected response is done once before measuring.
 */
export const DATA_ONLY_BODY = String.raw`^\s*\{\s*"data"\s*:\s*\{[\s\S]*\]\s*\}\s*\}\s*$`;

export interface GraphQLHttpResponse {
  status: number;
  text: string;
  json: unknown;
}

export async function postGraphQL(
  url: string,
  body: string,
  { timeoutMs = 10_000, headers = {} }: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<GraphQLHttpResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    // not JSON: reported through `text`
  }
  return { status: response.status, text, json };
}

/** Where two JSON values first differ (a path like `data.users[0].reviews`), or null when deep-equal. */
export function firstDifference(actual: unknown, expected: unknown, at = '$'): string | null {
  if (isDeepStrictEqual(actual, expected)) return null;
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return `${at}: ${actual.length} items, expected ${expected.length}`;
    for (let index = 0; index < expected.length; index += 1) {
      const difference = firstDifference(actual[index], expected[index], `${at}[${index}]`);
      if (difference) return difference;
    }
  }
  if (isPlainObject(actual) && isPlainObject(expected)) {
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    for (const key of keys) {
      if (!(key in actual)) return `${at}.${key}: missing`;
      if (!(key in expected)) return `${at}.${key}: unexpected ${truncate(JSON.stringify(actual[key]))}`;
      const difference = firstDifference(actual[key], expected[key], `${at}.${key}`);
      if (difference) return difference;
    }
  }
  return `${at}: ${truncate(JSON.stringify(actual))}, expected ${truncate(JSON.stringify(expected))}`;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const truncate = (text: string | undefined, length = 200) =>
  text === undefined ? 'undefined' : text.length > length ? `${text.slice(0, length)}…` : text;
