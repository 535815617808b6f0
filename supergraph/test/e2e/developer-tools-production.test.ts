/**
 * The developer conveniences of developer-tools.test.ts stay off in production (NODE_ENV=production,
 * nothing else set): no Sandbox, no introspection, so `rover graph introspect` is refused; and a
 * subgraph answers nothing without the gateway's proof, the federation SDL query included, so
 * `rover subgraph introspect` is refused too. (auth needs its production signing keys, so it runs
 * as in the other end-to-end tests; the gateway and the other subgraphs run in production.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes } from '../harness/users.js';
import { rover } from './rover.js';

const production = { NODE_ENV: 'production' };

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({
    environment: { gateway: production, identity: production, authz: production, audit: production },
  });
});
afterAll(async () => {
  await platform?.stop();
});

describe('a production gateway', () => {
  it('serves no Sandbox page to a browser', async () => {
    const page = await fetch(platform.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await page.text()).not.toMatch(/EmbeddedSandbox/);
  });

  it('refuses introspection, and so `rover graph introspect`', async () => {
    const response = await platform.graphql('{ __schema { queryType { name } } }');
    expect(response.body.data ?? null).toBeNull();
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    const run = await rover(['graph', 'introspect', platform.gatewayUrl], platform.dataDir);
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toMatch(/type Query/);
  });
});

describe('a production subgraph', () => {
  it('refuses the federation SDL query without a gateway proof, and so `rover subgraph introspect`', async () => {
    for (const name of ['identity', 'authz', 'audit']) {
      const response = await fetch(`${platform.subgraphUrls[name]}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      expect(response.status, name).toBe(401);
      expect(await response.json()).toEqual({
        errors: [{ message: 'Requests must come through the gateway', extensions: { code: 'UNAUTHENTICATED' } }],
      });

      const run = await rover(['subgraph', 'introspect', `${platform.subgraphUrls[name]}/graphql`], platform.dataDir);
      expect(run.code, name).not.toBe(0);
      expect(run.stdout, name).not.toMatch(/type Query/);
    }
  });
});
