/**
 * The event types are generated from the catalog alone: a new domain's event is one new
 * catalog file and a run of the generator, with no hand edit to `common.schema.json`,
 * `topics.ts` or `types.ts`, and the envelope validator accepts it from the same folder.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EVENTS_DIR, EventValidationError, loadEventCatalog } from '../service-kit/src/events/envelope.js';
import { sourceForType } from '../service-kit/src/events/topics.js';
import { EVENT_DOMAINS as CATALOG_DOMAINS } from '../service-kit/src/events/__generated__/catalog.js';
import { renderEventTypesModule } from './event-types.js';

const NEW_TYPE = 'platform.ticketing.booking.confirmed.v1';

/** A new domain's event, written the way events/README.md asks, with a definition of its own. */
const newEventSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://platform.example/events/catalog/${NEW_TYPE}.json`,
  title: NEW_TYPE,
  description: 'A booking was paid for and its seats are held.',
  type: 'object',
  $defs: {
    money: {
      type: 'object',
      properties: {
        amount: { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      },
      required: ['amount', 'currency'],
      additionalProperties: false,
    },
  },
  properties: {
    actorId: { $ref: '../common.schema.json#/$defs/actorId' },
    target: {
      $ref: '../common.schema.json#/$defs/target',
      type: 'object',
      properties: { type: { const: 'booking' } },
    },
    context: { $ref: '../common.schema.json#/$defs/requestContext' },
    bookingId: { $ref: '../common.schema.json#/$defs/uuid' },
    seats: { type: 'integer', minimum: 1 },
    total: { $ref: '#/$defs/money' },
  },
  required: ['actorId', 'target', 'context', 'bookingId', 'seats', 'total'],
  additionalProperties: false,
};

const booking = randomUUID();
const data = {
  actorId: randomUUID(),
  target: { type: 'booking', id: booking },
  context: { requestId: 'req-1', traceId: null, ip: null, userAgent: null },
  bookingId: booking,
  seats: 2,
  total: { amount: '42.50', currency: 'EUR' },
};

let eventsDir: string;
let generated: string;

beforeAll(async () => {
  eventsDir = mkdtempSync(path.join(tmpdir(), 'event-catalog-'));
  cpSync(DEFAULT_EVENTS_DIR, eventsDir, { recursive: true });
  writeFileSync(path.join(eventsDir, 'catalog', `${NEW_TYPE}.json`), JSON.stringify(newEventSchema, null, 2));
  generated = await renderEventTypesModule(eventsDir);
});

afterAll(() => rmSync(eventsDir, { recursive: true, force: true }));

/** The generated module's values, run as JavaScript. */
async function generatedValues(): Promise<{ EVENT_TYPES: string[]; EVENT_DOMAINS: string[] }> {
  const file = path.join(eventsDir, 'catalog.mjs');
  const { outputText } = ts.transpileModule(generated, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
  });
  writeFileSync(file, outputText);
  return (await import(pathToFileURL(file).href)) as { EVENT_TYPES: string[]; EVENT_DOMAINS: string[] };
}

/** Type-checks the generated module with `probe` importing it; returns the errors. */
function typeErrors(probe: string): string[] {
  const dir = mkdtempSync(path.join(eventsDir, 'types-'));
  writeFileSync(path.join(dir, 'catalog.ts'), generated);
  writeFileSync(path.join(dir, 'probe.ts'), probe);
  const program = ts.createProgram([path.join(dir, 'probe.ts')], {
    strict: true,
    noEmit: true,
    noUncheckedIndexedAccess: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts'],
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('event types generated from the catalog', () => {
  it("lists a new domain's event type and its domain after one new catalog file", async () => {
    const { EVENT_TYPES, EVENT_DOMAINS } = await generatedValues();
    expect(EVENT_TYPES).toContain(NEW_TYPE);
    expect(EVENT_TYPES).toContain('platform.identity.user.registered.v1');
    // The catalog's domains, and the new file's beside them.
    expect(EVENT_DOMAINS).toEqual([...new Set([...CATALOG_DOMAINS, 'ticketing'])].sort());
    expect(generated).toMatch(/export type TargetKind =[^;]*'booking'/);
  });

  it("types the new event's data exactly as its schema says", () => {
    const probe = `
      import type { EVENT_DOMAINS, EVENT_TYPES, EventDataByType, TargetKind } from './catalog.js';
      const domain: (typeof EVENT_DOMAINS)[number] = 'ticketing';
      const type: (typeof EVENT_TYPES)[number] = '${NEW_TYPE}';
      const kind: TargetKind = 'booking';
      type Data = EventDataByType['${NEW_TYPE}'];
      const data: Data = ${JSON.stringify(data)};
      // @ts-expect-error the schema pins the target's kind
      const wrongTarget: Data = { ...data, target: { type: 'user', id: 'x' } };
      // @ts-expect-error the object is closed
      const extra: Data = { ...data, password: 'hunter2' };
      // @ts-expect-error total is required
      const missing: Data = { ...data, total: undefined };
      export { domain, type, kind, wrongTarget, extra, missing };
    `;
    expect(typeErrors(probe)).toEqual([]);
  });

  it('has the envelope validator accept an event of the new type from the same folder', () => {
    const catalog = loadEventCatalog(eventsDir);
    expect(catalog.has(NEW_TYPE)).toBe(true);
    const event = {
      specversion: '1.0',
      id: randomUUID(),
      source: sourceForType(NEW_TYPE),
      type: NEW_TYPE,
      subject: booking,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data,
    };
    expect(event.source).toBe('/platform/ticketing');
    expect(() => catalog.validateEvent(event)).not.toThrow();
    // Still strict: the kind of target is the one the event's schema pins, not any kind.
    const wrongTarget = { ...event, data: { ...data, target: { type: 'user', id: booking } } };
    expect(() => catalog.validateEvent(wrongTarget)).toThrow(EventValidationError);
    const badMoney = { ...event, data: { ...data, total: { amount: '1.5', currency: 'euro' } } };
    expect(() => catalog.validateEvent(badMoney)).toThrow(/\/data\/total\/currency/);
  });

  it('refuses a catalog file whose target does not pin its kind', async () => {
    const dir = mkdtempSync(path.join(eventsDir, 'unpinned-'));
    cpSync(path.join(eventsDir, 'common.schema.json'), path.join(dir, 'common.schema.json'));
    mkdirSync(path.join(dir, 'catalog'));
    const unpinned = {
      ...newEventSchema,
      properties: { ...newEventSchema.properties, target: { $ref: '../common.schema.json#/$defs/target' } },
    };
    writeFileSync(path.join(dir, 'catalog', `${NEW_TYPE}.json`), JSON.stringify(unpinned));
    await expect(renderEventTypesModule(dir)).rejects.toThrow(/target must pin its kind/);
  });
});
