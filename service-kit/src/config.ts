/**
 * Environment configuration. Every service declares one zod schema over `process.env`
 * and loads it once at start; nothing else reads `process.env`. All bad or missing
 * variables are reported together so an operator fixes them in one pass.
 */
import type { JWK } from 'jose';
import { z } from 'zod';

export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export type Environment = Record<string, string | undefined>;

/** Parses `env` with `schema`, throwing one {@link ConfigError} that lists every problem. */
export function loadConfig<Schema extends z.ZodType>(schema: Schema, env: Environment = process.env): z.infer<Schema> {
  // Empty strings count as unset, the way shells and compose files write "not configured".
  const cleaned: Environment = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    return `${variable}: ${issue.message}`;
  });
  throw new ConfigError(issues);
}

/** Reusable variable shapes, so every service spells the same setting the same way. */
export const env = {
  /**
   * Required, with no default: a service started without it must not quietly run in development
   * mode (introspection, stack traces, mail links in logs). `npm start` sets `development`.
   */
  nodeEnv: z.enum(['development', 'test', 'production'], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required (development, test or production): `npm start` sets development; nothing falls back to it'
        : 'must be development, test or production',
  }),
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  host: z.string().default('127.0.0.1'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  postgresUrl: z
    .string({ error: 'is required (a postgres:// connection URL)' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
  httpUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  optionalRedisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1'),
  /** Kafka bootstrap brokers, `host:port,host:port`; unset means the in-process event bus. */
  kafkaBrokers: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
    )
    .refine((brokers) => brokers.every((broker) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(broker)), {
      message: 'must be a comma-separated list of host:port',
    })
    .optional(),
  /** A JSON Web Key Set given inline, as JSON text. */
  jwksJson: z.string().transform((text, ctx) => {
    try {
      const parsed = JSON.parse(text) as { keys?: unknown };
      if (!Array.isArray(parsed.keys) || parsed.keys.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a JWKS object with a non-empty "keys" array' });
        return z.NEVER;
      }
      return parsed as { keys: JWK[] };
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be valid JSON (a JWKS object)' });
      return z.NEVER;
    }
  }),
};
