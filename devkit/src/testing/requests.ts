/**
 * Requests the harness would not send: its `graphql` always carries a gateway proof, while
 * tests of the proof check (none, forged, for another subgraph) and of client headers need
 * to choose every header themselves.
 */

/** POSTs a GraphQL request to the subgraph at `url` (its base URL) with exactly `headers` besides the content type. */
export function postGraphQL(
  url: string,
  request: { query: string; variables?: Record<string, unknown> },
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(request),
  });
}
