/**
 * Spans for what a service calls while it is being traced: database queries (knex's query
 * events) and Redis commands. A call outside any span (a relay poll, a timer) makes none, so
 * background loops do not flood the traces with root spans.
 */
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { isTracing, recordFailure, SpanKind, type Span, type Tracer } from './spans.js';

interface KnexQueryEvent {
  __knexQueryUid?: string;
  sql?: string;
  method?: string;
}

const STATEMENT_TARGET = /\b(?:from|into|update|table)\s+("?[A-Za-z_][\w.]*"?)/i;

/**
 * The span name and operation of a statement: its first keyword and table
 * (`select outbox`), never its parameters.
 */
export function statementSummary(sql: string): { operation: string; name: string } {
  const operation = (/^\s*([A-Za-z]+)/.exec(sql)?.[1] ?? 'query').toLowerCase();
  const target = STATEMENT_TARGET.exec(sql)?.[1]?.replace(/"/g, '');
  return { operation, name: target ? `${operation} ${target}` : operation };
}

/** One client span per query run through `db` inside a traced piece of work. */
export function traceQueries(db: Knex, tracer: Tracer, databaseName: string): void {
  const open = new Map<string, Span>();
  db.on('query', (query: KnexQueryEvent) => {
    if (!query.__knexQueryUid || !query.sql || !isTracing()) return;
    const { operation, name } = statementSummary(query.sql);
    open.set(
      query.__knexQueryUid,
      tracer.startSpan(name, {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': databaseName,
          'db.operation.name': operation,
          // The parameterised text: values travel separately and never reach the trace.
          'db.query.text': query.sql,
        },
      }),
    );
  });
  db.on('query-response', (_response: unknown, query: KnexQueryEvent) => {
    const span = query.__knexQueryUid ? open.get(query.__knexQueryUid) : undefined;
    if (!span) return;
    open.delete(query.__knexQueryUid!);
    span.end();
  });
  db.on('query-error', (error: unknown, query: KnexQueryEvent) => {
    const span = query.__knexQueryUid ? open.get(query.__knexQueryUid) : undefined;
    if (!span) return;
    open.delete(query.__knexQueryUid!);
    recordFailure(span, error);
    span.end();
  });
}

type SendCommand = Redis['sendCommand'];

/** One client span per Redis command sent inside a traced piece of work (name only, never arguments). */
export function traceRedisCommands(redis: Redis, tracer: Tracer): void {
  const send: SendCommand = redis.sendCommand.bind(redis);
  const traced: SendCommand = (command, stream) => {
    if (!isTracing()) return send(command, stream);
    const span = tracer.startSpan(`redis ${command.name}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'redis', 'db.operation.name': command.name },
    });
    command.promise.then(
      () => span.end(),
      (error: unknown) => {
        recordFailure(span, error);
        span.end();
      },
    );
    return send(command, stream);
  };
  redis.sendCommand = traced;
}
