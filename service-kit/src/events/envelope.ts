/**
 * The CloudEvents 1.0 envelope (JSON structured mode) and its validation against the event
 * catalog: `createEvent` builds an event and refuses data its schema rejects; `parseEvent`
 * checks a received event, envelope and data. Both throw `EventValidationError`, whose
 * message names the type, each offending field as a JSON pointer, and what is wrong.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parseEventType, sourceForType } from './topics.js';
import type { AnyCloudEvent, CloudEvent, EventDataByType, EventType } from './types.js';

/** `<repo>/events`: `common.schema.json` and `catalog/<type>.json`. */
export const DEFAULT_EVENTS_DIR = fileURLToPath(new URL('../../../events', import.meta.url));

export interface ValidationIssue {
  /** JSON pointer into the event, e.g. `/data/email`; empty for the event itself. */
  pointer: string;
  message: string;
}

/** An event (or event data) that does not match the envelope or its catalog schema. */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  constructor(
    /** The event type, when the input had a readable one. */
    readonly eventType: string | undefined,
    readonly issues: ValidationIssue[],
  ) {
    super(
      `invalid ${eventType ? `${eventType} event` : 'event'}: ${issues
        .map((issue) => `${issue.pointer || '(event)'} ${issue.message}`)
        .join('; ')}`,
    );
  }
}

const ENVELOPE_SCHEMA = {
  $id: 'https://platform.example/events/envelope.schema.json',
  type: 'object',
  properties: {
    specversion: { const: '1.0' },
    id: { type: 'string', format: 'uuid' },
    source: { type: 'string', pattern: '^/platform/[a-z][a-z0-9]*$' },
    type: { type: 'string', pattern: '^platform\\.[a-z][a-z0-9]*\\.[a-z][a-z0-9_.]*\\.v[1-9][0-9]*$' },
    subject: { type: 'string', minLength: 1, maxLength: 200 },
    time: { type: 'string', format: 'date-time' },
    datacontenttype: { const: 'application/json' },
    data: { type: 'object' },
    // The CloudEvents distributed-tracing extension: the W3C trace context of the change.
    traceparent: { type: 'string', pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
    tracestate: { type: 'string', maxLength: 512 },
  },
  required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
  additionalProperties: false,
} as const;

/** JSON pointer segments escape `~` and `/` (RFC 6901). */
function pointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function toIssues(errors: readonly ErrorObject[] | null | undefined, prefix: string): ValidationIssue[] {
  return (errors ?? []).map((error) => {
    const params = error.params as { additionalProperty?: string; missingProperty?: string };
    if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
      return {
        pointer: `${prefix}${error.instancePath}/${pointerSegment(params.additionalProperty)}`,
        message: 'is not allowed (unknown property)',
      };
    }
    if (error.keyword === 'required' && params.missingProperty !== undefined) {
      return {
        pointer: `${prefix}${error.instancePath}/${pointerSegment(params.missingProperty)}`,
        message: 'is required',
      };
    }
    const allowed = (error.params as { allowedValues?: unknown; allowedValue?: unknown }).allowedValues;
    const constant = (error.params as { allowedValue?: unknown }).allowedValue;
    const detail =
      error.keyword === 'enum'
        ? `${error.message ?? 'is invalid'}: ${JSON.stringify(allowed)}`
        : error.keyword === 'const'
          ? `must be ${JSON.stringify(constant)}`
          : (error.message ?? 'is invalid');
    return { pointer: `${prefix}${error.instancePath}`, message: detail };
  });
}

/** The catalog's validators, one per event type. */
export interface EventCatalog {
  readonly types: readonly string[];
  has(type: string): boolean;
  /** Throws `EventValidationError` unless `data` matches the schema of `type`. */
  validateData(type: string, data: unknown, pointerPrefix?: string): void;
  /** Throws `EventValidationError` unless `event` is a CloudEvent of a catalog type with valid data. */
  validateEvent(event: unknown): asserts event is AnyCloudEvent;
}

/** Loads and compiles `<eventsDir>/common.schema.json` and every `<eventsDir>/catalog/<type>.json`. */
export function loadEventCatalog(eventsDir: string = DEFAULT_EVENTS_DIR): EventCatalog {
  // strict: a typo in a schema keyword is an error at load, not a silently ignored rule.
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addSchema(JSON.parse(readFileSync(path.join(eventsDir, 'common.schema.json'), 'utf8')) as object);
  const validateEnvelope = ajv.compile(ENVELOPE_SCHEMA);

  const validators = new Map<string, ValidateFunction>();
  const catalogDir = path.join(eventsDir, 'catalog');
  for (const file of readdirSync(catalogDir).sort()) {
    if (!file.endsWith('.json')) continue;
    const type = file.slice(0, -'.json'.length);
    if (!parseEventType(type)) throw new Error(`${path.join(catalogDir, file)}: not a platform event type name`);
    const schema = JSON.parse(readFileSync(path.join(catalogDir, file), 'utf8')) as { title?: unknown };
    if (schema.title !== type) throw new Error(`${path.join(catalogDir, file)}: title must be ${JSON.stringify(type)}`);
    validators.set(type, ajv.compile(schema));
  }

  function validateData(type: string, data: unknown, pointerPrefix = ''): void {
    const validate = validators.get(type);
    if (!validate) throw new EventValidationError(type, [{ pointer: '/type', message: 'is not in the event catalog' }]);
    if (!validate(data)) throw new EventValidationError(type, toIssues(validate.errors, pointerPrefix));
  }

  return {
    types: [...validators.keys()],
    has: (type) => validators.has(type),
    validateData,
    validateEvent(event: unknown): asserts event is AnyCloudEvent {
      const type =
        typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string'
          ? (event as { type: string }).type
          : undefined;
      if (!validateEnvelope(event)) throw new EventValidationError(type, toIssues(validateEnvelope.errors, ''));
      const envelope = event as { type: string; source: string; data: unknown };
      validateData(envelope.type, envelope.data, '/data');
      if (envelope.source !== sourceForType(envelope.type)) {
        throw new EventValidationError(envelope.type, [
          { pointer: '/source', message: `must be ${JSON.stringify(sourceForType(envelope.type))} for this type` },
        ]);
      }
    },
  };
}

let defaultCatalog: EventCatalog | undefined;

/** The repository's catalog, loaded on first use. */
export function eventCatalog(): EventCatalog {
  defaultCatalog ??= loadEventCatalog();
  return defaultCatalog;
}

export interface CreateEventInput<T extends EventType> {
  type: T;
  /** The aggregate id (user, session, role...): the message key. */
  subject: string;
  data: EventDataByType[T];
  /** A fresh uuid by default. */
  id?: string;
  /** Now by default. */
  time?: Date;
}

/** Builds a CloudEvent and validates its data against the catalog. */
export function createEvent<T extends EventType>(input: CreateEventInput<T>): CloudEvent<T> {
  const event: CloudEvent<T> = {
    specversion: '1.0',
    id: input.id ?? randomUUID(),
    source: sourceForType(input.type),
    type: input.type,
    subject: input.subject,
    time: (input.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    data: input.data,
  };
  const catalog: EventCatalog = eventCatalog();
  catalog.validateEvent(event);
  return event;
}

/** Parses a received event (JSON text, bytes or an already parsed object) and validates it. */
export function parseEvent(input: unknown): AnyCloudEvent {
  let event: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    try {
      event = JSON.parse(text);
    } catch (error) {
      throw new EventValidationError(undefined, [
        { pointer: '', message: `is not JSON (${error instanceof Error ? error.message : String(error)})` },
      ]);
    }
  }
  const catalog: EventCatalog = eventCatalog();
  catalog.validateEvent(event);
  return event;
}
