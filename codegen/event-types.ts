/**
 * The TypeScript side of the event catalog, generated from the JSON Schemas in `events/`:
 * the data interface of every event type (`EventDataByType`), the `EVENT_TYPES` list, the
 * domains that publish (`EVENT_DOMAINS`) and the kinds of target events are about
 * (`TargetKind`), written to `service-kit/src/events/__generated__/catalog.ts` and re-exported
 * by the kit's `types.ts` and `topics.ts`. Part of `npm run codegen`; checked by
 * `npm run codegen:check`.
 *
 * json-schema-to-typescript turns schemas into types. It compiles one document, so the
 * catalog is first assembled into one: the common `$defs` at the root, each event's schema
 * as a property named by its type. Two rewrites keep that faithful to draft 2020-12:
 * references are re-pointed into the assembled document, and a `$ref` with constraints beside
 * it becomes `allOf` (in 2020-12 both apply; the library would otherwise merge the two
 * objects and let the sibling `properties` replace the referenced ones).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import prettier from 'prettier';
import { repositoryRoot } from './subgraphs.js';

export const eventTypesOutputFile = 'service-kit/src/events/__generated__/catalog.ts';
const defaultEventsDir = path.join(repositoryRoot, 'events');

/** The naming rule of `service-kit/src/events/topics.ts`: `platform.<domain>.<aggregate>.<action>.v<major>`. */
const TYPE_PATTERN = /^platform\.([a-z][a-z0-9]*)\.([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.v([1-9][0-9]*)$/;
const COMMON_REF = '../common.schema.json#';
/** Keywords that only annotate: they may sit beside a `$ref` without turning it into `allOf`. */
const ANNOTATIONS = new Set(['description', 'title', '$comment', 'examples', 'deprecated']);

type Schema = Record<string, unknown>;

interface CatalogEntry {
  type: string;
  domain: string;
  targetKind: string | undefined;
  schema: Schema;
}

function readJson(file: string): Schema {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: must hold a JSON Schema object`);
  }
  return parsed as Schema;
}

/** The `const` a schema pins `target.type` to, if the event has a target. */
function targetKindOf(schema: Schema, where: string): string | undefined {
  const properties = schema.properties as Record<string, Schema> | undefined;
  const target = properties?.target;
  if (target === undefined) return undefined;
  const kind = (target.properties as Record<string, Schema> | undefined)?.type?.const;
  if (typeof kind !== 'string') {
    throw new Error(
      `${where}: target must pin its kind, e.g. "target": { "properties": { "type": { "const": "user" } } }`,
    );
  }
  return kind;
}

/** Re-points the `$ref`s of `node` into the assembled document; `localRoot` is where the file's own `#` now lives. */
function rewrite(node: unknown, localRoot: string, where: string): unknown {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, localRoot, where));
  if (typeof node !== 'object' || node === null) return node;
  const rewritten: Schema = {};
  for (const [key, value] of Object.entries(node)) rewritten[key] = rewrite(value, localRoot, where);
  const ref = rewritten.$ref;
  if (ref === undefined) return rewritten;
  if (typeof ref !== 'string') throw new Error(`${where}: $ref must be a string`);
  let target: string;
  if (ref.startsWith(COMMON_REF)) target = `#${ref.slice(COMMON_REF.length)}`;
  else if (ref.startsWith('#')) target = `${localRoot}${ref.slice(1)}`;
  else throw new Error(`${where}: $ref ${JSON.stringify(ref)} must point into this file or ${COMMON_REF}`);
  const { $ref: _ref, ...siblings } = rewritten;
  const annotations = Object.fromEntries(Object.entries(siblings).filter(([key]) => ANNOTATIONS.has(key)));
  const constraints = Object.fromEntries(Object.entries(siblings).filter(([key]) => !ANNOTATIONS.has(key)));
  if (Object.keys(constraints).length === 0) return { ...annotations, $ref: target };
  return { ...annotations, allOf: [{ $ref: target }, constraints] };
}

/** Reads `<eventsDir>/catalog/*.json` in file name order; throws naming the file on a bad one. */
function readCatalog(eventsDir: string): CatalogEntry[] {
  const catalogDir = path.join(eventsDir, 'catalog');
  return readdirSync(catalogDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const where = path.join(catalogDir, file);
      const type = file.slice(0, -'.json'.length);
      const match = TYPE_PATTERN.exec(type);
      if (!match) throw new Error(`${where}: the file name must read platform.<domain>.<aggregate>.<action>.v<n>.json`);
      const schema = readJson(where);
      if (schema.title !== type) throw new Error(`${where}: title must be ${JSON.stringify(type)}`);
      if (schema.type !== 'object') throw new Error(`${where}: an event's data must be an object`);
      const { $schema: _schema, $id: _id, ...rest } = schema;
      return {
        type,
        domain: match[1]!,
        targetKind: targetKindOf(schema, where),
        schema: rewrite(rest, `#/properties/${type}`, where) as Schema,
      };
    });
}

function literalUnion(values: readonly string[]): string {
  return values.length === 0 ? 'never' : values.map((value) => JSON.stringify(value)).join(' | ');
}

/** The generated module for the catalog in `eventsDir` (`common.schema.json` and `catalog/`), formatted. */
export async function renderEventTypesModule(eventsDir = defaultEventsDir): Promise<string> {
  const common = readJson(path.join(eventsDir, 'common.schema.json'));
  const catalog = readCatalog(eventsDir);
  const types = catalog.map((entry) => entry.type);
  const domains = [...new Set(catalog.map((entry) => entry.domain))].sort();
  const targetKinds = [...new Set(catalog.flatMap((entry) => entry.targetKind ?? []))].sort();

  const document = {
    title: 'EventDataByType',
    description: 'The `data` of each event type, keyed by CloudEvents `type`.',
    type: 'object',
    properties: Object.fromEntries(catalog.map((entry) => [entry.type, entry.schema])),
    required: types,
    additionalProperties: false,
    $defs: common.$defs,
  };
  const declarations = await compile(document as JSONSchema, 'EventDataByType', {
    bannerComment: '',
    format: false,
    additionalProperties: false,
    // `minItems: 1` would otherwise become a tuple type producers cannot build from an array.
    ignoreMinAndMaxItems: true,
    // Every shared definition gets its name, whether or not an event uses it today.
    unreachableDefinitions: true,
    strictIndexSignatures: true,
    // Everything is in the assembled document: nothing is read from disk or the network.
    $refOptions: { resolve: { external: false } },
  });

  const source = [
    '/* Generated by codegen/event-types.ts from events/catalog/*.json and events/common.schema.json: do not edit, run `npm run codegen`. */',
    declarations,
    '/** Every event type of the catalog, one per `events/catalog/<type>.json`. */',
    `export const EVENT_TYPES = ${JSON.stringify(types)} as const satisfies readonly (keyof EventDataByType)[];`,
    '/** The domains that publish events (`platform.<domain>.…`), one Kafka topic each. */',
    `export const EVENT_DOMAINS = ${JSON.stringify(domains)} as const;`,
    '/** What events are about: every `target.type` the catalog pins. */',
    `export type TargetKind = ${literalUnion(targetKinds)};`,
  ].join('\n');
  const style = await prettier.resolveConfig(path.join(repositoryRoot, eventTypesOutputFile));
  return prettier.format(source, { ...style, parser: 'typescript' });
}
