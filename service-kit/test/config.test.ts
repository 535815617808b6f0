import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../src/config.js';

const schema = z.object({
  PORT: env.port(4001),
  DATABASE_URL: env.postgresUrl,
  NODE_ENV: env.nodeEnv,
  SANDBOX: env.boolean(false),
});

describe('loadConfig', () => {
  it('applies defaults and coerces values', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgres://localhost/db',
      NODE_ENV: 'development',
      SANDBOX: 'true',
    });
    expect(config).toEqual({
      PORT: 4001,
      DATABASE_URL: 'postgres://localhost/db',
      NODE_ENV: 'development',
      SANDBOX: true,
    });
  });

  it('reports every bad or missing variable at once', () => {
    let caught: unknown;
    try {
      loadConfig(schema, { PORT: 'eighty', NODE_ENV: 'staging' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const issues = (caught as ConfigError).issues;
    expect(issues).toHaveLength(3);
    expect(issues.join('\n')).toMatch(/^PORT: /m);
    expect(issues.join('\n')).toMatch(/^DATABASE_URL: /m);
    expect(issues.join('\n')).toMatch(/^NODE_ENV: /m);
  });

  it('requires NODE_ENV, with no fallback to development', () => {
    for (const NODE_ENV of [undefined, '']) {
      expect(() => loadConfig(schema, { DATABASE_URL: 'postgres://localhost/db', NODE_ENV })).toThrow(
        'NODE_ENV: is required (development, test or production): `npm start` sets development; nothing falls back to it',
      );
    }
  });

  it('treats an empty variable as unset', () => {
    expect(() => loadConfig(schema, { DATABASE_URL: '' })).toThrow(/DATABASE_URL/);
  });
});
