import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadSubgraphConfig, randomToken, type Environment } from '@platform/service-kit';
import { configProblems, configProblemVariables, type ConfigSubject } from '@platform/devkit/testing';
import { describe, expect, it } from 'vitest';
import { loadAuthzSeedConfig } from '../src/seed-config.js';
import { authzSubgraph } from '../src/subgraph.js';

const loadAuthzConfig = (environment: Environment) => loadSubgraphConfig(authzSubgraph, environment);

const valid = {
  NODE_ENV: 'development',
  DATABASE_URL: 'postgres://authz@localhost/platform_authz',
  GATEWAY_PUBLIC_JWKS: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }),
  INTERNAL_API_CREDENTIALS: `gateway:${'a'.repeat(32)},identity:${'b'.repeat(32)}`,
};

const problems = (environment: Environment, subject: ConfigSubject = authzSubgraph) =>
  configProblems(subject, environment);

describe('authz configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadAuthzConfig(valid);
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 4003,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_POOL_MAX: 10,
      MIGRATE_ON_START: true,
    });
    expect(config.REDIS_URL).toBeUndefined();
    // The kit adds the variables of declared calls; its config type leaves them out.
    expect(Reflect.get(config, 'GATEWAY_INTERNAL_URL')).toBeUndefined();
    expect(config.INTERNAL_API_CREDENTIALS?.get('gateway')).toBe('a'.repeat(32));
    expect(config.INTERNAL_API_CREDENTIALS?.get('identity')).toBe('b'.repeat(32));
  });

  it('reports every missing variable at once', () => {
    expect(configProblemVariables(authzSubgraph, {}).sort()).toEqual(Object.keys(valid).sort());
    for (const issue of problems({})) expect(issue).toMatch(/: is required \(/);
  });

  it('takes the gateway URL and its credential only together', () => {
    expect(problems({ ...valid, GATEWAY_INTERNAL_URL: 'http://localhost:4000' })).toEqual([
      'GATEWAY_INTERNAL_CREDENTIAL: GATEWAY_INTERNAL_URL and GATEWAY_INTERNAL_CREDENTIAL go together: set both (to notify the gateway) or neither',
    ]);
    expect(problems({ ...valid, GATEWAY_INTERNAL_CREDENTIAL: randomToken() })).toHaveLength(1);
    const config = loadAuthzConfig({
      ...valid,
      GATEWAY_INTERNAL_URL: 'http://localhost:4000',
      GATEWAY_INTERNAL_CREDENTIAL: randomToken(),
    });
    expect(Reflect.get(config, 'GATEWAY_INTERNAL_URL')).toBe('http://localhost:4000');
  });

  it('refuses a short gateway credential, a non-http gateway URL and a non-redis REDIS_URL', () => {
    const reported = problems({
      ...valid,
      GATEWAY_INTERNAL_URL: 'ftp://gateway',
      GATEWAY_INTERNAL_CREDENTIAL: 'short',
      REDIS_URL: 'http://redis',
    });
    expect(reported).toEqual([
      'REDIS_URL: must be a redis:// or rediss:// URL',
      'GATEWAY_INTERNAL_URL: must be an http(s) URL',
      'GATEWAY_INTERNAL_CREDENTIAL: must be at least 32 characters',
    ]);
  });

  it('refuses internal credentials for a service that never calls authz', () => {
    expect(problems({ ...valid, INTERNAL_API_CREDENTIALS: `gatway:${'a'.repeat(32)}` })).toEqual([
      'INTERNAL_API_CREDENTIALS: names an unknown service "gatway": authz\'s internal API serves gateway, identity, authz',
    ]);
  });

  it('takes an admin user id for the seed command only as a UUID', () => {
    expect(problems({ DATABASE_URL: valid.DATABASE_URL, ADMIN_USER_ID: 'root' }, loadAuthzSeedConfig)).toEqual([
      'ADMIN_USER_ID: must be a UUID (the id identity gave the user)',
    ]);
    const id = '7D9F0C2E-1B7A-4C55-9E0A-2B6B3A1C4D5E';
    expect(loadAuthzSeedConfig({ DATABASE_URL: valid.DATABASE_URL, ADMIN_USER_ID: id }).ADMIN_USER_ID).toBe(
      id.toLowerCase(),
    );
  });

  it('reads KAFKA_BROKERS as a list of host:port, and leaves it unset for the in-process bus', () => {
    expect(loadAuthzConfig(valid).KAFKA_BROKERS).toBeUndefined();
    expect(loadAuthzConfig({ ...valid, KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092' }).KAFKA_BROKERS).toEqual([
      'kafka-1:9092',
      'kafka-2:9092',
    ]);
    expect(problems({ ...valid, KAFKA_BROKERS: 'kafka-1:port' }).join('\n')).toContain('KAFKA_BROKERS');
  });
});

describe('src/main.ts', () => {
  it('prints every configuration problem and exits 1 when variables are missing', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const run = promisify(execFile)(tsx, [main], { env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 });
    const failure = (await run.then(
      () => null,
      (error: unknown) => error,
    )) as { code?: number; stderr?: string } | null;
    expect(failure?.code).toBe(1);
    for (const variable of Object.keys(valid)) expect(failure?.stderr).toContain(`${variable}: is required`);
    expect(failure?.stderr).toMatch(/^authz: Invalid configuration:/);
  });
});
