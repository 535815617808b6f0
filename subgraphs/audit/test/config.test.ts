import { loadSubgraphConfig, type Environment } from '@platform/service-kit';
import { configProblems, configProblemVariables } from '@platform/devkit/testing';
import { describe, expect, it } from 'vitest';
import { appDatabaseUrl } from '../src/domain/app-role.js';
import { auditSubgraph } from '../src/subgraph.js';

const valid = {
  NODE_ENV: 'development',
  DATABASE_URL: 'postgres://owner:owner-pw@localhost:5432/platform_audit',
  AUDIT_APP_PASSWORD: 'p'.repeat(24),
  GATEWAY_PUBLIC_JWKS: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }),
  INTERNAL_API_CREDENTIALS: `identity:${'a'.repeat(32)},auth:${'b'.repeat(32)}`,
};

const problems = (environment: Environment) => configProblems(auditSubgraph, environment);

describe('audit configuration', () => {
  it('applies the documented defaults', () => {
    expect(loadSubgraphConfig(auditSubgraph, valid)).toMatchObject({
      NODE_ENV: 'development',
      PORT: 4004,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_POOL_MAX: 10,
      MIGRATE_ON_START: true,
      AUDIT_APP_ROLE: 'audit_app',
    });
  });

  it('needs the application role password unless an application database URL is given', () => {
    const { AUDIT_APP_PASSWORD: _password, ...withoutPassword } = valid;
    expect(problems(withoutPassword)).toEqual([
      'AUDIT_APP_PASSWORD: is required unless APP_DATABASE_URL is set: the service works as a role that may only read and append to the log',
    ]);
    expect(
      problems({ ...withoutPassword, APP_DATABASE_URL: 'postgres://audit_app:pw@localhost:5432/platform_audit' }),
    ).toEqual([]);
    // The rule holds even when other variables are bad: one pass shows every problem.
    expect(configProblemVariables(auditSubgraph, { ...withoutPassword, DATABASE_URL: 'mysql://nope' })).toEqual([
      'DATABASE_URL',
      'AUDIT_APP_PASSWORD',
    ]);
  });

  it('refuses credentials for a service that does not record audit events', () => {
    expect(problems({ ...valid, INTERNAL_API_CREDENTIALS: `billing:${'c'.repeat(32)}` })).toEqual([
      'INTERNAL_API_CREDENTIALS: names an unknown service "billing": audit\'s internal API serves identity, auth, authz, gateway',
    ]);
  });

  it('reports every bad variable at once', () => {
    expect(
      configProblemVariables(auditSubgraph, {
        DATABASE_URL: 'mysql://nope',
        AUDIT_APP_ROLE: 'Audit-App',
        AUDIT_APP_PASSWORD: 'short',
        GATEWAY_PUBLIC_JWKS: '{',
        INTERNAL_API_CREDENTIALS: `billing:${'c'.repeat(32)}`,
        PORT: 'eighty',
      }),
    ).toEqual([
      'NODE_ENV',
      'PORT',
      'DATABASE_URL',
      'GATEWAY_PUBLIC_JWKS',
      'INTERNAL_API_CREDENTIALS',
      'AUDIT_APP_ROLE',
      'AUDIT_APP_PASSWORD',
    ]);
  });

  it('derives the application URL from the owner URL with the role and its password, encoded', () => {
    expect(appDatabaseUrl(valid.DATABASE_URL, 'audit_app', 'p@ss:w/rd%')).toBe(
      'postgres://audit_app:p%40ss%3Aw%2Frd%25@localhost:5432/platform_audit',
    );
  });
});
