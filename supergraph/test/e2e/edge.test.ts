/**
 * The edge of the platform (security review "Close the edge"): every HTTP response of the
 * gateway and of the subgraphs carries the security headers, and `X-Forwarded-For` names the
 * client only when a trusted proxy sent it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { registerUser } from '../harness/users.js';

const SESSION_IPS = '{ me { sessions { ipAddress } } }';
const FORGED = '203.0.113.9';

let platform: TestPlatform;
/** A gateway replica behind which 127.0.0.1 is a trusted proxy. */
let trustingGatewayUrl: string;
beforeAll(async () => {
  platform = await startTestPlatform();
  ({ gatewayUrl: trustingGatewayUrl } = await platform.startGatewayReplica({ TRUSTED_PROXIES: '127.0.0.1' }));
});
afterAll(() => platform.stop());

async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
}

/** Logs in through `gatewayUrl` with `headers` and reads back the IPs of the user's sessions. */
async function sessionIpsAfterLogin(gatewayUrl: string, headers: Record<string, string>): Promise<unknown> {
  const user = await registerUser(platform, 'edge');
  const login = await post(
    gatewayUrl,
    contractOperation('Login'),
    { email: user.email, password: user.password },
    headers,
  );
  const { accessToken } = (login.data as { login: { accessToken: string } } | undefined)!.login;
  const sessions = await post(gatewayUrl, SESSION_IPS, {}, { authorization: `Bearer ${accessToken}` });
  expect(sessions.errors).toBeUndefined();
  return (sessions.data as { me: { sessions: { ipAddress: string | null }[] } }).me.sessions.map((s) => s.ipAddress);
}

function expectSecurityHeaders(response: Response, what: string): void {
  expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(response.headers.get('x-frame-options'), what).toBe('DENY');
  expect(response.headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(response.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
  expect(response.headers.get('content-security-policy'), what).toContain("default-src 'none'");
  expect(response.headers.get('strict-transport-security'), what).toBeNull();
}

describe('security headers', () => {
  it('are on every gateway response: GraphQL, errors, probes and unknown paths', async () => {
    const origin = new URL(platform.gatewayUrl).origin;
    const graphql = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expectSecurityHeaders(graphql, 'POST /graphql');
    const invalidToken = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(invalidToken.status).toBe(401);
    expectSecurityHeaders(invalidToken, '401');
    for (const path of ['/healthz', '/metrics', '/nowhere']) expectSecurityHeaders(await fetch(origin + path), path);
  });

  it('are on every subgraph response, the gateway-only refusal included', async () => {
    for (const [name, url] of Object.entries(platform.subgraphUrls)) {
      expectSecurityHeaders(await fetch(`${url}/healthz`), `${name} /healthz`);
      const refused = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(refused.status, name).toBe(401);
      expectSecurityHeaders(refused, `${name} POST /graphql`);
    }
  });

  it('add Strict-Transport-Security only when a trusted proxy says the request came over HTTPS', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const untrusted = await fetch(new URL('/healthz', platform.gatewayUrl), { headers: https });
    expect(untrusted.headers.get('strict-transport-security')).toBeNull();
    const trusted = await fetch(new URL('/healthz', trustingGatewayUrl), { headers: https });
    expect(trusted.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  });
});

describe('the client address', () => {
  it('is the socket peer when X-Forwarded-For comes from a peer that is not a trusted proxy', async () => {
    expect(await sessionIpsAfterLogin(platform.gatewayUrl, { 'x-forwarded-for': FORGED })).toEqual(['127.0.0.1']);
  });

  it('is the right-most untrusted X-Forwarded-For address behind a trusted proxy', async () => {
    const headers = { 'x-forwarded-for': `198.51.100.7, ${FORGED}, 127.0.0.1` };
    expect(await sessionIpsAfterLogin(trustingGatewayUrl, headers)).toEqual([FORGED]);
  });
});
