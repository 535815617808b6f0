/**
 * The TypeScript side of the event catalog (`events/catalog/*.json`). The data of every
 * event type (`EventDataByType`), the `EVENT_TYPES` list and the shared definitions are
 * generated from the schemas by `npm run codegen` (`__generated__/catalog.ts`, checked by
 * `npm run codegen:check`); this module adds the CloudEvents envelope around them. Adding an
 * event type is a new catalog file and `npm run codegen`, nothing here.
 */
import type { EventDataByType, RequestContext, TargetKind } from './__generated__/catalog.js';

export { EVENT_TYPES } from './__generated__/catalog.js';
export type { DeniedField, EventDataByType, Outcome, RequestContext, TargetKind } from './__generated__/catalog.js';

/** Who caused an event and on what, plus the request it came from: in every event's data. */
export interface AuditFields<TargetType extends TargetKind = TargetKind> {
  /** The user who caused the event; null for the platform itself or an anonymous caller. */
  actorId: string | null;
  target: { type: TargetType; id: string };
  context: RequestContext;
}

export type EventType = keyof EventDataByType;

/** A CloudEvents 1.0 event in JSON structured mode, as the platform emits it. */
export interface CloudEvent<T extends EventType = EventType> {
  specversion: '1.0';
  /** uuid; also the outbox row id and the consumers' deduplication key. */
  id: string;
  /** The emitting domain, e.g. `/platform/identity`. */
  source: string;
  type: T;
  /** The aggregate id: the Kafka message key, so one aggregate's events stay in order. */
  subject: string;
  /** RFC 3339 timestamp of the change. */
  time: string;
  datacontenttype: 'application/json';
  data: EventDataByType[T];
  /**
   * The CloudEvents distributed-tracing extension (W3C `traceparent`): set by the relay from
   * the trace the change was made in, so consumers continue that trace.
   */
  traceparent?: string;
  /** W3C `tracestate` travelling with `traceparent`. */
  tracestate?: string;
}

/** Any catalog event; `switch (event.type)` narrows `data`. */
export type AnyCloudEvent = { [T in EventType]: CloudEvent<T> }[EventType];
