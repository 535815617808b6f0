import { generateGatewayKeys, loadSubgraphConfig, randomToken, type Environment } from '@platform/service-kit';
import { configProblems, configProblemVariables } from '@platform/devkit/testing';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../src/domain/signing-keys.js';
import { authSubgraph } from '../src/subgraph.js';

const gatewayKeys = await generateGatewayKeys();
const validEnvironment = {
  NODE_ENV: 'development',
  DATABASE_URL: 'postgres://localhost/platform_auth',
  GATEWAY_PUBLIC_JWKS: JSON.stringify(gatewayKeys.publicJwks),
  IDENTITY_INTERNAL_URL: 'http://localhost:4001',
  IDENTITY_INTERNAL_CREDENTIAL: randomToken('svc_'),
  INTERNAL_API_CREDENTIALS: `authz:${randomToken('svc_')}`,
};

const loadAuthConfig = (environment: Environment) => loadSubgraphConfig(authSubgraph, environment);
const configIssues = (environment: Environment) => configProblems(authSubgraph, environment);

describe('auth configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadAuthConfig(validEnvironment);
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 4002,
      ACCESS_TOKEN_ISSUER: 'platform-auth',
      ACCESS_TOKEN_AUDIENCE: 'platform-api',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 604_800,
      DATA_DIR: '.data',
      LOGIN_MAX_FAILURES: 5,
      LOGIN_FAILURE_WINDOW_SECONDS: 900,
      LOGIN_LOCK_SECONDS: 900,
      MIGRATE_ON_START: true,
    });
    expect(config.SIGNING_KEYS).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    // Auth's only internal API is the kit's jobs API, for the jobs admin (identity's events revoke sessions).
    expect([...config.INTERNAL_API_CREDENTIALS!.keys()]).toEqual(['authz']);
  });

  it('refuses production without SIGNING_KEYS with a message naming SIGNING_KEYS', () => {
    const issues = configIssues({ ...validEnvironment, NODE_ENV: 'production' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^SIGNING_KEYS: is required when NODE_ENV=production/);
  });

  it('reports the missing SIGNING_KEYS together with every other problem', () => {
    expect(configProblemVariables(authSubgraph, { NODE_ENV: 'production' }).sort()).toEqual([
      'DATABASE_URL',
      'GATEWAY_PUBLIC_JWKS',
      'IDENTITY_INTERNAL_CREDENTIAL',
      'IDENTITY_INTERNAL_URL',
      'INTERNAL_API_CREDENTIALS',
      'SIGNING_KEYS',
    ]);
  });

  it('accepts production with SIGNING_KEYS and keeps only the key fields', async () => {
    const key = await generateSigningKey('k1');
    const config = loadAuthConfig({
      ...validEnvironment,
      NODE_ENV: 'production',
      SIGNING_KEYS: JSON.stringify([{ ...key, alg: 'EdDSA', use: 'sig' }]),
    });
    expect(config.SIGNING_KEYS).toEqual([key]);
  });

  it('rejects SIGNING_KEYS that are not private Ed25519 keys, lack a kid or repeat one', async () => {
    const key = await generateSigningKey('same');
    const { kid: _kid, ...withoutKid } = key;
    const { d: _d, ...publicOnly } = key;
    for (const value of [
      'not json',
      '[]',
      JSON.stringify({ keys: [key] }),
      JSON.stringify([withoutKid]),
      JSON.stringify([publicOnly]),
      JSON.stringify([key, key]),
    ]) {
      const issues = configIssues({ ...validEnvironment, SIGNING_KEYS: value });
      expect(issues, value).toHaveLength(1);
      expect(issues[0]).toMatch(/^SIGNING_KEYS: /);
    }
  });

  it('rejects a short identity credential and a malformed credential list', () => {
    const variables = configProblemVariables(authSubgraph, {
      ...validEnvironment,
      IDENTITY_INTERNAL_CREDENTIAL: 'short',
      INTERNAL_API_CREDENTIALS: 'identity',
    });
    expect(variables.sort()).toEqual(['IDENTITY_INTERNAL_CREDENTIAL', 'INTERNAL_API_CREDENTIALS']);
  });

  it('reads KAFKA_BROKERS as a list of host:port, and leaves it unset for the in-process bus', () => {
    expect(loadAuthConfig(validEnvironment).KAFKA_BROKERS).toBeUndefined();
    expect(loadAuthConfig({ ...validEnvironment, KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092' }).KAFKA_BROKERS).toEqual([
      'kafka-1:9092',
      'kafka-2:9092',
    ]);
    expect(configIssues({ ...validEnvironment, KAFKA_BROKERS: 'not a broker' }).join('\n')).toContain('KAFKA_BROKERS');
  });
});
