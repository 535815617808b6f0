/**
 * The platform's spans, written with the OpenTelemetry API only. Without a registered SDK
 * (`startTelemetry` off) every call here is a no-op: no span, no context, no header.
 *
 * Each service's spans come from a tracer named after it (`platform.<service>`), so a trace
 * says which service did what even when several run in one process (`npm start`, the tests).
 */
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';

export { SpanKind, type Span, type Tracer };

const TRACER_PREFIX = 'platform.';

/** The tracer of one service's own spans. */
export function serviceTracer(service: string): Tracer {
  return trace.getTracer(`${TRACER_PREFIX}${service}`);
}

/** Marks `span` failed with the error's name and message (the stack stays out of the trace). */
export function recordFailure(span: Span, error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.addEvent('exception', {
    'exception.type': error instanceof Error ? error.name : typeof error,
    'exception.message': error instanceof Error ? error.message : String(error),
  });
}

export interface InSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** The parent; the active context by default. */
  parent?: Context;
}

/** Runs `work` inside a new active span that ends when it settles, failed when it throws. */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: InSpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const { parent, ...spanOptions } = options;
  return tracer.startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** True when a span is active (a request, an event or a job is being traced). */
export function isTracing(): boolean {
  const span = trace.getActiveSpan();
  return span !== undefined && isSpanContextValid(span.spanContext());
}

/** The ids of the active span, or null outside one. */
export function activeTraceIds(): { traceId: string; spanId: string } | null {
  const span = trace.getActiveSpan();
  if (!span) return null;
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return null;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** W3C trace context as it travels: HTTP headers, a CloudEvent's distributed-tracing extension, an outbox row. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The trace context of `ctx` (the active one by default) to carry along; empty when not tracing. */
export function traceCarrierOf(ctx: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

/** The context a carrier continues (the root context when it carries none). */
export function contextFromCarrier(carrier: TraceCarrier | Record<string, unknown>): Context {
  const headers: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate'] as const) {
    const value = carrier[key];
    if (typeof value === 'string') headers[key] = value;
  }
  return propagation.extract(ROOT_CONTEXT, headers);
}

/**
 * A propagator that carries the W3C trace context only (`traceparent`, `tracestate`), never the
 * baggage the global one adds: for what stores a carrier, such as a job's row, so nothing but
 * the trace ids is written down.
 */
export const traceContextPropagator: TextMapPropagator<unknown> = {
  inject(ctx, carrier, setter) {
    injectTraceHeaders((key, value) => setter.set(carrier, key, value), ctx);
  },
  extract(_ctx, carrier, getter) {
    const read = (key: string) => {
      const value = getter.get(carrier, key);
      return Array.isArray(value) ? value[0] : value;
    };
    return contextFromCarrier({ traceparent: read('traceparent'), tracestate: read('tracestate') });
  },
  fields: () => ['traceparent', 'tracestate'],
};

/** Adds the active trace context to outgoing HTTP headers (`traceparent`, `tracestate`). */
export function injectTraceHeaders(set: (name: string, value: string) => void, ctx: Context = context.active()): void {
  const carrier = traceCarrierOf(ctx);
  if (carrier.traceparent) set('traceparent', carrier.traceparent);
  if (carrier.tracestate) set('tracestate', carrier.tracestate);
}

type Resolver = (
  parent: unknown,
  args: unknown,
  context: unknown,
  info: { operation?: { name?: { value: string } } },
) => unknown;

/**
 * The resolvers with each `Query` and `Mutation` field resolver run inside a span
 * (`Mutation.confirmBooking`): what the operation asked this subgraph for, around the
 * database and Redis spans it causes. Arguments never become attributes.
 */
export function traceRootResolvers<T>(resolvers: T, tracer: Tracer): T {
  if (typeof resolvers !== 'object' || resolvers === null) return resolvers;
  const traced: Record<string, unknown> = { ...(resolvers as Record<string, unknown>) };
  for (const type of ['Query', 'Mutation'] as const) {
    const fields = traced[type];
    if (typeof fields !== 'object' || fields === null) continue;
    traced[type] = Object.fromEntries(
      Object.entries(fields as Record<string, unknown>).map(([field, resolve]) => {
        if (typeof resolve !== 'function') return [field, resolve];
        const name = `${type}.${field}`;
        const wrapped: Resolver = (parent, args, ctx, info) =>
          inSpan(tracer, name, { attributes: { 'graphql.field.path': name } }, async (span) => {
            const operation = info.operation?.name?.value;
            if (operation) span.setAttribute('graphql.operation.name', operation);
            return (resolve as Resolver)(parent, args, ctx, info);
          });
        return [field, wrapped];
      }),
    );
  }
  return traced as T;
}
