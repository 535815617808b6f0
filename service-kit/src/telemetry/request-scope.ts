/**
 * The request a piece of code runs for, without passing it down: the HTTP server runs each
 * handler in a scope holding its request id, so an unexpected error formatted deep inside
 * Apollo can name the request (and, with the active span, the trace) a user can report.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `work` as part of request `requestId`. */
export function inRequestScope<T>(requestId: string, work: () => T): T {
  return scope.run({ requestId }, work);
}

/** The id of the request being served, or null outside one. */
export function currentRequestId(): string | null {
  return scope.getStore()?.requestId ?? null;
}
