/**
 * The two kinds of errors. Expected ones (bad input, conflict, not found, forbidden…)
 * carry an `extensions.code` from the client contract and a message a user can act on.
 * Anything else is unexpected: it is logged with the request id and reaches the client
 * as INTERNAL_SERVER_ERROR with no internals.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger.js';
import { currentRequestId } from './telemetry/request-scope.js';
import { activeTraceIds } from './telemetry/spans.js';

export const ErrorCode = {
  BadUserInput: 'BAD_USER_INPUT',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  UnauthorizedFieldOrType: 'UNAUTHORIZED_FIELD_OR_TYPE',
  /** The gateway refused the operation before planning; `extensions.limit` names which limit. */
  OperationLimitExceeded: 'OPERATION_LIMIT_EXCEEDED',
  /** A graphql-ws socket already carries its most subscriptions; `extensions.limit` is that maximum. */
  SubscriptionLimitExceeded: 'SUBSCRIPTION_LIMIT_EXCEEDED',
  /** TRUSTED_DOCUMENTS=enforce: the operation's text is not one of the client contract's (Router's code). */
  QueryNotInSafelist: 'QUERY_NOT_IN_SAFELIST',
  /** TRUSTED_DOCUMENTS=enforce: the persisted-query hash is not one of the client contract's (Router's code). */
  PersistedQueryNotInList: 'PERSISTED_QUERY_NOT_IN_LIST',
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
  ErrorCode.OperationLimitExceeded,
  ErrorCode.SubscriptionLimitExceeded,
  ErrorCode.QueryNotInSafelist,
  ErrorCode.PersistedQueryNotInList,
  // Produced by GraphQL validation and parsing in Apollo Server: safe to show.
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

const PUBLIC_EXTENSIONS = ['code', 'fields', 'retryAfter', 'limit'] as const;

function expected(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

/** Invalid input: `fields` maps each invalid input (by its input path) to what is wrong with it. */
export function badUserInput(fields: Record<string, string>, message = 'Invalid input') {
  return expected(ErrorCode.BadUserInput, message, { fields });
}
/** A field-level error: the response stays HTTP 200 so the gateway can merge it. */
export function unauthenticated(message = 'Authentication required') {
  return expected(ErrorCode.Unauthenticated, message);
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

/** True for errors that carry one of the contract's codes (checked by shape, not class: see below). */
export function isExpectedError(error: unknown): boolean {
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' && expectedCodes.has(code);
}

/**
 * Builds Apollo Server's `formatError`: expected errors pass through (without stack
 * traces outside development); unexpected ones are logged and masked.
 */
export function createErrorFormatter(options: { logger: Logger; exposeInternals: boolean }) {
  // Decided by the formatted `extensions.code`, never by `instanceof`: errors reach us from
  // several packages (Apollo's CommonJS ones included), and Apollo gives every error
  // without a code INTERNAL_SERVER_ERROR.
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
    if (isExpectedError(formatted)) {
      if (options.exposeInternals) return formatted;
      // Only what the contract promises leaves the platform: no stack traces, no downstream
      // responses or service names.
      const extensions: Record<string, unknown> = {};
      for (const key of PUBLIC_EXTENSIONS) {
        if (formatted.extensions?.[key] !== undefined) extensions[key] = formatted.extensions[key];
      }
      return { ...formatted, extensions };
    }
    // What a user can report and an operator can search for: the request and its trace, in the
    // log line and in the response (nothing else about the failure leaves the platform).
    const requestId = currentRequestId();
    const traceId = activeTraceIds()?.traceId ?? null;
    const reference = { ...(traceId ? { traceId } : {}), ...(requestId ? { requestId } : {}) };
    options.logger.error(
      { err: original, path: formatted.path, ...reference },
      'unexpected error while executing operation',
    );
    if (options.exposeInternals) return { ...formatted, extensions: { ...formatted.extensions, ...reference } };
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: ErrorCode.InternalServerError, ...reference },
    };
  };
}

/**
 * Collects every invalid input of a request so the client hears about all of them in one
 * BAD_USER_INPUT error. Fields are keyed by their argument path as the client wrote it:
 * `input.email` inside an `input` argument, `first` for a top-level argument, `items.2.qty`
 * inside a list. Give the argument as `prefix` and name fields relative to it.
 */
export class InputProblems {
  private readonly fields: Record<string, string> = {};

  constructor(private readonly prefix?: string) {}

  /** Records `problem` for `field` (the first problem of a field wins); null means the field is fine. */
  add(field: string, problem: string | null | undefined): void {
    const key = this.prefix ? `${this.prefix}.${field}` : field;
    if (problem && !(key in this.fields)) this.fields[key] = problem;
  }

  get empty(): boolean {
    return Object.keys(this.fields).length === 0;
  }

  throwIfAny(): void {
    if (!this.empty) throw badUserInput({ ...this.fields });
  }
}
