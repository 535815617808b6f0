/** The gateway's configuration: what a fresh environment gets by default, per NODE_ENV. */
import { ConfigError } from '@platform/service-kit';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.js';

const required = {
  AUTH_JWKS_URL: 'http://127.0.0.1:4002/.well-known/jwks.json',
  GATEWAY_SIGNING_KEY: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }),
  AUTHZ_INTERNAL_URL: 'http://127.0.0.1:4003',
  AUTHZ_INTERNAL_CREDENTIAL: 'a'.repeat(32),
  INTERNAL_API_CREDENTIALS: `authz:${'b'.repeat(32)}`,
};

describe('Sandbox and introspection', () => {
  it('are on in development', () => {
    const config = loadGatewayConfig({ ...required, NODE_ENV: 'development' });
    expect(config.ENABLE_SANDBOX).toBe(true);
    expect(config.ENABLE_INTROSPECTION).toBe(true);
  });

  it('are never turned on by a missing NODE_ENV: the gateway refuses to start without one', () => {
    expect(() => loadGatewayConfig(required)).toThrow(/NODE_ENV: is required \(development, test or production\)/);
  });

  it('are off in production and in tests', () => {
    for (const NODE_ENV of ['production', 'test']) {
      const config = loadGatewayConfig({ ...required, NODE_ENV });
      expect(config.ENABLE_SANDBOX).toBe(false);
      expect(config.ENABLE_INTROSPECTION).toBe(false);
    }
  });

  it('follow an explicit setting in any environment', () => {
    const production = loadGatewayConfig({
      ...required,
      NODE_ENV: 'production',
      ENABLE_SANDBOX: 'true',
      ENABLE_INTROSPECTION: '1',
    });
    expect([production.ENABLE_SANDBOX, production.ENABLE_INTROSPECTION]).toEqual([true, true]);
    const development = loadGatewayConfig({
      ...required,
      NODE_ENV: 'development',
      ENABLE_SANDBOX: 'false',
      ENABLE_INTROSPECTION: '0',
    });
    expect([development.ENABLE_SANDBOX, development.ENABLE_INTROSPECTION]).toEqual([false, false]);
  });

  it('refuse a value that is not a boolean', () => {
    expect(() => loadGatewayConfig({ ...required, ENABLE_SANDBOX: 'yes' })).toThrow(ConfigError);
  });
});

describe('the query-plan executor', () => {
  it("is the gateway's own by default, Apollo's when asked for, and nothing else", () => {
    expect(loadGatewayConfig({ ...required, NODE_ENV: 'test' }).QUERY_PLAN_EXECUTOR).toBe('platform');
    expect(
      loadGatewayConfig({ ...required, NODE_ENV: 'test', QUERY_PLAN_EXECUTOR: 'apollo' }).QUERY_PLAN_EXECUTOR,
    ).toBe('apollo');
    expect(() => loadGatewayConfig({ ...required, NODE_ENV: 'test', QUERY_PLAN_EXECUTOR: 'fast' })).toThrow(
      /QUERY_PLAN_EXECUTOR/,
    );
  });
});
