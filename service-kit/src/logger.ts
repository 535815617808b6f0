/**
 * Structured JSON logs (pino). Secrets never reach a log line: known secret-bearing
 * paths are redacted, and GraphQL variables are never logged. A line written inside a span
 * carries its `traceId` and `spanId`, so a log line leads to its trace and back.
 */
import { destination, pino, stdTimeFunctions, type Logger as PinoLogger } from 'pino';
import { activeTraceIds } from './telemetry/spans.js';

export type Logger = PinoLogger;

const secretKeys = [
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'privateKey',
  'authorization',
  'cookie',
];

/** Redact secret keys at the top level and up to two levels deep, plus request headers. */
export const redactPaths = [
  ...secretKeys,
  ...secretKeys.map((key) => `*.${key}`),
  ...secretKeys.map((key) => `*.*.${key}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-gateway-proof"]',
  'headers.authorization',
  'headers["x-gateway-proof"]',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

/** The trace fields of a log line: the active span's ids, or nothing outside a span. */
export function traceLogFields(): { traceId?: string; spanId?: string } {
  return activeTraceIds() ?? {};
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.service,
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: redactPaths, censor: '[REDACTED]' },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceLogFields,
    },
    options.destination ?? destination({ sync: false }),
  );
}
