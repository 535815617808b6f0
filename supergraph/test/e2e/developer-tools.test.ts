/**
 * What a developer meets after a fresh `npm start` (every service with NODE_ENV=development and
 * nothing else set): Apollo Sandbox for a browser at /graphql, introspection, a gateway that
 * passes the GraphQL-over-HTTP server audit (`graphql-http`), and the real rover CLI
 * introspecting the gateway and each subgraph. Subgraphs answer the federation SDL query
 * without a gateway proof, and nothing else. Production: developer-tools-production.test.ts.
 */
import { parse, buildASTSchema } from 'graphql';
import { serverAudits, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphs } from '../../../subgraphs/registry.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { rover } from './rover.js';

const development = { NODE_ENV: 'development' };
/** What a browser sends when it opens http://localhost:4000/graphql. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({
    environment: Object.fromEntries(
      ['gateway', ...subgraphs.map((subgraph) => subgraph.name)].map((n) => [n, development]),
    ),
  });
});
afterAll(async () => {
  await platform?.stop();
});

describe('a development gateway', () => {
  it('serves the Apollo Sandbox page to a browser at GET /graphql', async () => {
    const page = await fetch(platform.gatewayUrl, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toMatch(/<!DOCTYPE html>/i);
    expect(html).toContain('<div id="embeddableSandbox"></div>');
    expect(html).toContain('new window.EmbeddedSandbox(');
    // The page may load the embeddable Sandbox and frame its editor, and may not be framed itself.
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src [^;]*https:\/\/embeddable-sandbox\.cdn\.apollographql\.com/);
    expect(csp).toMatch(/frame-src [^;]*https:\/\/sandbox\.embed\.apollographql\.com/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers introspection', async () => {
    const response = await platform.graphql<{ __schema: { queryType: { name: string } } }>(
      '{ __schema { queryType { name } } }',
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.__schema.queryType.name).toBe('Query');
  });

  it('passes every required GraphQL-over-HTTP server audit', async () => {
    const results: AuditResult[] = [];
    for (const audit of serverAudits({ url: platform.gatewayUrl })) results.push(await audit.fn());
    const failures = results.filter((result) => result.status === 'error');
    expect(failures.map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`)).toEqual([]);
    expect(results.length).toBeGreaterThan(20);
  });

  it('is introspected by `rover graph introspect`', async () => {
    const run = await rover(['graph', 'introspect', platform.gatewayUrl], platform.dataDir);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const schema = buildASTSchema(parse(run.stdout));
    expect(schema.getQueryType()?.getFields()).toHaveProperty('me');
    expect(schema.getSubscriptionType()?.getFields()).toHaveProperty('auditEvents');
  });
});

describe('a development subgraph', () => {
  it('gives each subgraph’s SDL to `rover subgraph introspect`, without a gateway proof', async () => {
    for (const [name, url] of Object.entries(platform.subgraphUrls)) {
      const run = await rover(['subgraph', 'introspect', `${url}/graphql`], platform.dataDir);
      expect(run.code, `${name}: ${run.stderr}`).toBe(0);
      expect(run.stdout, name).toContain('@link(url: "https://specs.apollo.dev/federation/v2');
      expect(() => parse(run.stdout), name).not.toThrow();
    }
  });

  it('answers exactly `{ _service { sdl } }`, whatever it is called or however it is written', async () => {
    for (const query of [
      '{ _service { sdl } }',
      'query SubgraphIntrospectQuery {\n    _service {\n        sdl\n    }\n}\n',
      'query { _service { sdl } }',
    ]) {
      const response = await postToIdentity({ query });
      expect(response.status, query).toBe(200);
      const body = (await response.json()) as { data?: { _service?: { sdl?: string } } };
      expect(body.data?._service?.sdl, query).toContain('type User');
    }
  });

  it('still refuses anything else without a gateway proof', async () => {
    for (const body of [
      { query: '{ _service { sdl } __typename }' },
      { query: '{ __typename }' },
      { query: '{ service: _service { sdl } }' },
      { query: '{ _service { sdl __typename } }' },
      { query: '{ _service { sdl @include(if: true) } }' },
      { query: 'query ($id: ID) { _service { sdl } }', variables: { id: '1' } },
      { query: '{ _service { sdl } } query Other { _service { sdl } }', operationName: 'Other' },
      { query: '{ ...Sdl } fragment Sdl on Query { _service { sdl } }' },
      { query: 'mutation { _service { sdl } }' },
      { query: '{ _entities(representations: [{ __typename: "User", id: "1" }]) { __typename } }' },
      { query: '{ _service { sdl }' },
      [{ query: '{ _service { sdl } }' }],
    ]) {
      const response = await postToIdentity(body);
      expect(response.status, JSON.stringify(body)).toBe(401);
      expect(await response.json()).toEqual({
        errors: [{ message: 'Requests must come through the gateway', extensions: { code: 'UNAUTHENTICATED' } }],
      });
    }
  });
});

function postToIdentity(body: unknown): Promise<Response> {
  return fetch(`${platform.subgraphUrls.identity}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
