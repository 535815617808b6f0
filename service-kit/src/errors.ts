/**
 * The two kinds of errors. Expected ones (bad input, conflict, not found, forbidden…)
 * carry an `extensions.code` from the client contract and a message a user can act on.
 * Anything else is unexpected: it is logged with the request id and reaches the client
 * as INTERNAL_SERVER_ERROR with no internals.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger.js';

export const ErrorCode = {
  BadUserInput: 'BAD_USER_INPUT',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  UnauthorizedFieldOrType: 'UNAUTHORIZED_FIELD_OR_TYPE',
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const expectedCodes = new Set<string>([
  ErrorCode.BadUserInput,
  ErrorCode.Unauthenticated,
  ErrorCode.Forbidden,
  ErrorCode.NotFound,
  ErrorCode.Conflict,
  ErrorCode.RateLimited,
  ErrorCode.UnauthorizedFieldOrType,
  // Produced by GraphQL validation and parsing in Apollo Server: safe to show.
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

function expected(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

/** Invalid input: `fields` maps each invalid input (by its input path) to what is wrong with it. */
export function badUserInput(fields: Record<string, string>, message = 'Invalid input') {
  return expected(ErrorCode.BadUserInput, message, { fields });
}
export function unauthenticated(message = 'Authentication required') {
  return expected(ErrorCode.Unauthenticated, message, { http: { status: 401 } });
}
export function forbidden(message = 'You are not allowed to do this') {
  return expected(ErrorCode.Forbidden, message);
}
export function notFound(message: string) {
  return expected(ErrorCode.NotFound, message);
}
export function conflict(message: string) {
  return expected(ErrorCode.Conflict, message);
}
export function rateLimited(retryAfterSeconds: number, message = 'Too many requests, try again later') {
  return expected(ErrorCode.RateLimited, message, { retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) });
}

export function isExpectedError(error: unknown): error is GraphQLError {
  return (
    error instanceof GraphQLError &&
    typeof error.extensions.code === 'string' &&
    expectedCodes.has(error.extensions.code)
  );
}

/**
 * Builds Apollo Server's `formatError`: expected errors pass through (without stack
 * traces outside development); unexpected ones are logged and masked.
 */
export function createErrorFormatter(options: { logger: Logger; exposeInternals: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const code = formatted.extensions?.code;
    const isExpected =
      (typeof code === 'string' &&
        expectedCodes.has(code) &&
        !(original instanceof Error && !(original instanceof GraphQLError))) ||
      isExpectedError(original);
    if (isExpected) {
      if (options.exposeInternals) return formatted;
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    options.logger.error({ err: original, path: formatted.path }, 'unexpected error while executing operation');
    if (options.exposeInternals) return formatted;
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: ErrorCode.InternalServerError },
    };
  };
}
