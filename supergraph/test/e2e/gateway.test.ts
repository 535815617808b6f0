/**
 * The gateway as operators and developers meet it: health, readiness, metrics, request
 * ids carried to subgraph logs, Sandbox and introspection in development only, CSRF
 * prevention, no internals in errors, and supergraph hot reload without dropped requests.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphs } from '../../../subgraphs/registry.js';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser } from '../harness/users.js';

const committedSupergraph = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../supergraph.graphql');

describe('a development gateway', () => {
  let platform: TestPlatform;
  let supergraphDir: string;
  let metricsPort: number;
  let supergraphPath: string;

  beforeAll(async () => {
    // The gateway serves a copy, so the reload test can rewrite it.
    supergraphDir = await mkdtemp(path.join(tmpdir(), 'supergraph-'));
    supergraphPath = path.join(supergraphDir, 'supergraph.graphql');
    await copyFile(committedSupergraph, supergraphPath);
    metricsPort = await freePort();
    platform = await startTestPlatform({
      supergraphPath,
      environment: {
        gateway: {
          NODE_ENV: 'development',
          ENABLE_SANDBOX: 'true',
          ENABLE_INTROSPECTION: 'true',
          METRICS_PORT: String(metricsPort),
        },
      },
    });
  });
  afterAll(async () => {
    await platform.stop();
    await rm(supergraphDir, { recursive: true, force: true });
  });

  const gatewayBase = () => platform.gatewayUrl.replace(/\/graphql$/, '');

  it('answers /healthz, and /readyz once the supergraph is loaded, listing each subgraph’s health', async () => {
    expect((await fetch(`${gatewayBase()}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gatewayBase()}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { supergraph: true, subgraphs: Object.fromEntries(subgraphs.map((subgraph) => [subgraph.name, true])) },
    });
  });

  it('exposes Prometheus metrics by operation, on the gateway’s metrics port and on subgraphs', async () => {
    await platform.graphql(contractOperation('Me'));
    expect((await fetch(`${gatewayBase()}/metrics`)).status).toBe(404);
    const gatewayMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(gatewayMetrics).toMatch(/graphql_operations_total\{[^}]*operation="Me"/);
    expect(gatewayMetrics).toMatch(/graphql_operation_duration_seconds_bucket/);
    const identityMetrics = await (await fetch(`${platform.subgraphUrls.identity}/metrics`)).text();
    expect(identityMetrics).toMatch(/db_pool_connections\{[^}]*state="used"/);
    expect(identityMetrics).toMatch(/graphql_errors_total|graphql_operations_total/);
  });

  it('keeps a well-formed x-request-id and carries it to the subgraphs’ logs', async () => {
    const requestId = `test-${Date.now()}`;
    const user = await registerUser(platform, 'reqid');
    const session = await login(platform, user);
    const response = await platform.graphql(
      contractOperation('Me'),
      {},
      {
        token: session.accessToken,
        headers: { 'x-request-id': requestId },
      },
    );
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const identityLines = platform
      .logLines()
      .map((line) => JSON.parse(line) as { service?: string; requestId?: string })
      .filter((entry) => entry.service === 'identity' && entry.requestId === requestId);
    expect(identityLines.length).toBeGreaterThan(0);
  });

  it('never writes passwords or tokens to any log', async () => {
    const user = await registerUser(platform, 'redact');
    const session = await login(platform, user);
    await platform.graphql(contractOperation('RefreshToken'), { refreshToken: session.refreshToken });
    const everything = platform.logLines().join('\n');
    expect(everything).not.toContain(user.password);
    expect(everything).not.toContain(session.refreshToken);
    expect(everything).not.toContain(session.accessToken);
  });

  it('serves the Apollo Sandbox landing page to a browser in development, with CORS for Sandbox', async () => {
    const page = await fetch(platform.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/sandbox|apollo/i);
    const preflight = await fetch(platform.gatewayUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://studio.apollographql.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
    const foreign = await fetch(platform.gatewayUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('prevents CSRF: a simple GET query without a preflight-forcing header is refused', async () => {
    const response = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
    const allowed = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(allowed.status).toBe(200);
  });

  it('reloads the supergraph when its file changes, without failing requests in flight', async () => {
    const introspectDescription = async () => {
      const response = await platform.graphql<{ __type: { description: string | null } }>(
        '{ __type(name: "Query") { description } }',
      );
      return response.body.data?.__type.description ?? null;
    };
    const before = await introspectDescription();
    const original = await readFile(supergraphPath, 'utf8');
    // Give Query a new description: replace the current one, or add one.
    const changed = before
      ? original.replace(before, 'Reloaded at run time')
      : original.replace(/^type Query\b/m, '"""Reloaded at run time"""\ntype Query');
    expect(changed).not.toBe(original);

    const inFlight = Array.from({ length: 40 }, (_, index) =>
      new Promise((resolve) => setTimeout(resolve, index * 5)).then(() => platform.graphql(contractOperation('Me'))),
    );
    await writeFile(`${supergraphPath}.tmp`, changed);
    const { rename } = await import('node:fs/promises');
    await rename(`${supergraphPath}.tmp`, supergraphPath);
    const responses = await Promise.all(inFlight);
    for (const response of responses) expect(errorCodes(response)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);

    const deadline = Date.now() + 5000;
    while ((await introspectDescription()) === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await introspectDescription()).toBe('Reloaded at run time');
  });
});

describe('a production gateway', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ environment: { gateway: { NODE_ENV: 'production' } } });
  });
  afterAll(() => platform.stop());

  it('refuses introspection unless enabled by configuration', async () => {
    const response = await platform.graphql('{ __schema { queryType { name } } }');
    expect(response.body.data ?? null).toBeNull();
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('serves no Sandbox landing page', async () => {
    const page = await fetch(platform.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/sandbox/i);
  });

  it('passes a subgraph’s expected error on with only the contract’s extensions', async () => {
    const response = await platform.graphql(contractOperation('Register'), {
      email: 'not-an-email',
      password: 'long enough password',
      name: 'X',
    });
    expect(response.status).toBe(200);
    expect(response.body.errors).toHaveLength(1);
    const [error] = response.body.errors!;
    expect(error!.path).toEqual(['register']);
    expect(Object.keys(error!.extensions!).sort()).toEqual(['code', 'fields']);
    expect(error!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('shows no stack traces or internals in errors', async () => {
    const response = await platform.graphql('query { me { id nope } }');
    expect(JSON.stringify(response.body)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });
});
