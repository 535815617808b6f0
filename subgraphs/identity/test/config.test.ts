import { loadSubgraphConfig, type Environment } from '@platform/service-kit';
import { configProblems } from '@platform/devkit/testing';
import { describe, expect, it } from 'vitest';
import { identitySubgraph } from '../src/subgraph.js';

const valid = {
  NODE_ENV: 'development',
  DATABASE_URL: 'postgres://identity@localhost/platform_identity',
  GATEWAY_PUBLIC_JWKS: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }),
  INTERNAL_API_CREDENTIALS: `auth:${'a'.repeat(32)}`,
  AUTHZ_INTERNAL_URL: 'http://localhost:4003',
  AUTHZ_INTERNAL_CREDENTIAL: 'c'.repeat(32),
  NOTIFICATIONS_INTERNAL_URL: 'http://localhost:4012',
  NOTIFICATIONS_INTERNAL_CREDENTIAL: 'n'.repeat(32),
};

const load = (env: Environment) => loadSubgraphConfig(identitySubgraph, env);
const problems = (env: Environment) => configProblems(identitySubgraph, env);

describe('identity configuration', () => {
  it('applies the documented defaults', () => {
    const config = load(valid);
    expect(config).toMatchObject({
      PORT: 4001,
      PUBLIC_APP_URL: 'http://localhost:3000',
      ARGON2_MEMORY_KIB: 19456,
      ARGON2_ITERATIONS: 2,
      ARGON2_PARALLELISM: 1,
      DATABASE_POOL_MAX: 10,
      MIGRATE_ON_START: true,
    });
    expect(config.INTERNAL_API_CREDENTIALS?.get('auth')).toBe('a'.repeat(32));
  });

  it('reports every missing variable at once', () => {
    const reported = problems({});
    for (const variable of Object.keys(valid)) {
      expect(reported.some((issue) => issue.startsWith(`${variable}: is required`))).toBe(true);
    }
  });

  it('refuses argon2 parameters below the OWASP minimum', () => {
    const reported = problems({ ...valid, ARGON2_MEMORY_KIB: '8192', ARGON2_ITERATIONS: '1', ARGON2_PARALLELISM: '0' });
    expect(reported).toHaveLength(3);
    expect(reported.join('\n')).toMatch(/ARGON2_MEMORY_KIB: must be at least 19456/);
  });

  it('serves its internal API to auth (and authz, for its jobs) only, and needs no auth URL: sessions end through events', () => {
    expect(
      problems({ ...valid, INTERNAL_API_CREDENTIALS: `auth:${'a'.repeat(32)},billing:${'b'.repeat(32)}` }),
    ).toEqual([
      'INTERNAL_API_CREDENTIALS: names an unknown service "billing": identity\'s internal API serves auth, authz',
    ]);
    expect(load(valid)).not.toHaveProperty('AUTH_INTERNAL_URL');
  });

  it('refuses a short authz credential and a non-http authz URL', () => {
    const reported = problems({
      ...valid,
      AUTHZ_INTERNAL_CREDENTIAL: 'c'.repeat(31),
      AUTHZ_INTERNAL_URL: 'authz:4003',
    });
    expect(reported).toEqual([
      'AUTHZ_INTERNAL_URL: must be an http(s) URL',
      'AUTHZ_INTERNAL_CREDENTIAL: must be at least 32 characters',
    ]);
  });

  it('drops a trailing slash from PUBLIC_APP_URL so links are well formed', () => {
    expect(load({ ...valid, PUBLIC_APP_URL: 'https://app.example.com/' }).PUBLIC_APP_URL).toBe(
      'https://app.example.com',
    );
  });

  it('reads KAFKA_BROKERS as a list of host:port, and leaves it unset for the in-process bus', () => {
    expect(load(valid).KAFKA_BROKERS).toBeUndefined();
    expect(load({ ...valid, KAFKA_BROKERS: ' kafka-1:9092, kafka-2:9093 ' }).KAFKA_BROKERS).toEqual([
      'kafka-1:9092',
      'kafka-2:9093',
    ]);
    expect(problems({ ...valid, KAFKA_BROKERS: 'kafka-1' }).join('\n')).toContain('KAFKA_BROKERS');
  });
});
