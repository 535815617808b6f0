/**
 * Composition: every subgraph of rover.yaml composed into one supergraph with Apollo's
 * composition library (what `rover supergraph compose` runs), and the committed file's
 * exact contents, header included.
 */
import { createRequire } from 'node:module';
import { composeServices } from '@apollo/composition';
import type { ServiceDefinition } from '@apollo/federation-internals';
import { getLocation, GraphQLError, parse, Source, type ASTNode, type DocumentNode } from 'graphql';
import type { SupergraphConfig } from './config.js';
import { normaliseNewlines } from './files.js';

/** A place in a schema file. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One composition error, with the subgraph and the schema locations it is about when known. */
export interface CompositionError {
  /** Apollo's error code, for example `FIELD_TYPE_MISMATCH`; `INVALID_GRAPHQL` for a syntax error. */
  code: string;
  message: string;
  subgraph?: string;
  /** The schema file of `subgraph`, so an error without locations still says where to look. */
  file?: string;
  locations?: SourceLocation[];
}

export type CompositionOutcome =
  | { supergraphSdl: string; hints: string[]; errors?: undefined }
  | { errors: CompositionError[]; supergraphSdl?: undefined; hints?: undefined };

/**
 * The header of the committed supergraph. A GraphQL comment, so every SDL reader
 * (`Supergraph.build`, `@apollo/gateway`, graphql-js `parse`) ignores it.
 */
export const GENERATED_HEADER = '# Generated from rover.yaml by `npm run compose`: do not edit by hand.';

/** What `npm run compose` writes to supergraph/supergraph.graphql for a composed SDL. */
export function supergraphFileContents(supergraphSdl: string): string {
  const body = normaliseNewlines(supergraphSdl).replace(/\n*$/, '\n');
  return `${GENERATED_HEADER}\n${body}`;
}

function locationOf(node: ASTNode): SourceLocation | undefined {
  if (!node.loc) return undefined;
  const { line, column } = getLocation(node.loc.source, node.loc.start);
  return { file: node.loc.source.name, line, column };
}

function toCompositionError(
  error: GraphQLError,
  subgraphByFile: Map<string, string>,
  fileBySubgraph: Map<string, string>,
): CompositionError {
  const locations: SourceLocation[] = [];
  for (const node of error.nodes ?? []) {
    const location = locationOf(node);
    if (location && !locations.some((l) => l.file === location.file && l.line === location.line)) {
      locations.push(location);
    }
  }
  if (locations.length === 0 && error.source && error.locations) {
    for (const { line, column } of error.locations) locations.push({ file: error.source.name, line, column });
  }
  const subgraphs = new Set(locations.map((l) => subgraphByFile.get(l.file)).filter((s) => s !== undefined));
  const prefixed = /^\[([^\]]+)\]/.exec(error.message)?.[1];
  const subgraph = subgraphs.size === 1 ? [...subgraphs][0] : prefixed;
  const code = typeof error.extensions.code === 'string' ? error.extensions.code : 'COMPOSITION_ERROR';
  const file = subgraph !== undefined ? fileBySubgraph.get(subgraph) : undefined;
  return {
    code,
    message: error.message,
    ...(subgraph !== undefined ? { subgraph } : {}),
    ...(file !== undefined ? { file } : {}),
    ...(locations.length > 0 ? { locations } : {}),
  };
}

/**
 * Composes every subgraph of `config`: name, `url` = routing_url, `typeDefs` = the parsed
 * schema file. Syntax errors are reported for every file (with file, line and column) before
 * composition is attempted.
 */
export function composeSupergraph(config: SupergraphConfig): CompositionOutcome {
  const errors: CompositionError[] = [];
  const services: ServiceDefinition[] = [];
  const subgraphByFile = new Map(config.subgraphs.map((s) => [s.schemaFile, s.name]));
  const fileBySubgraph = new Map(config.subgraphs.map((s) => [s.name, s.schemaFile]));
  for (const subgraph of config.subgraphs) {
    let typeDefs: DocumentNode;
    try {
      typeDefs = parse(new Source(subgraph.sdl, subgraph.schemaFile));
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      errors.push({
        code: 'INVALID_GRAPHQL',
        message: `[${subgraph.name}] ${error.message}`,
        subgraph: subgraph.name,
        file: subgraph.schemaFile,
        locations: (error.locations ?? []).map(({ line, column }) => ({ file: subgraph.schemaFile, line, column })),
      });
      continue;
    }
    services.push({ name: subgraph.name, url: subgraph.routingUrl, typeDefs });
  }
  if (errors.length > 0) return { errors };

  let result: ReturnType<typeof composeServices>;
  try {
    result = composeServices(services);
  } catch (error) {
    // composeServices throws (rather than returning errors) on a few malformed inputs.
    return { errors: [{ code: 'COMPOSITION_ERROR', message: error instanceof Error ? error.message : String(error) }] };
  }
  if (result.errors) return { errors: result.errors.map((e) => toCompositionError(e, subgraphByFile, fileBySubgraph)) };
  return { supergraphSdl: result.supergraphSdl, hints: result.hints.map((hint) => hint.toString()) };
}

/**
 * `file:line:column` of a composition error's first location, else its subgraph's schema
 * file, else rover.yaml (an error about the whole supergraph).
 */
function compositionErrorWhere(error: CompositionError): string {
  const first = error.locations?.[0];
  return first ? `${first.file}:${first.line}:${first.column}` : (error.file ?? 'rover.yaml');
}

/** One line per error: where, code and message, with further locations after it. */
export function formatCompositionError(error: CompositionError): string {
  const more = (error.locations ?? []).slice(1).map((l) => `${l.file}:${l.line}:${l.column}`);
  return `${compositionErrorWhere(error)}: ${error.code}: ${error.message}${more.length > 0 ? ` (also at ${more.join(', ')})` : ''}`;
}

/** The installed version of `@apollo/composition`, which does the composing here. */
function compositionVersion(): string {
  const manifest = createRequire(import.meta.url)('@apollo/composition/package.json') as { version: string };
  return manifest.version;
}

/**
 * A warning when rover.yaml pins a `federation_version` other than the installed composition
 * library: `rover supergraph compose` would then produce a different supergraph.
 */
export function federationVersionMismatch(federationVersion: string): string | undefined {
  const installed = compositionVersion();
  const pinned = /^=(\d+\.\d+\.\d+)$/.exec(federationVersion)?.[1];
  if (pinned === undefined || pinned === installed) return undefined;
  return `rover.yaml pins federation_version ${federationVersion} but @apollo/composition ${installed} is installed: rover would compose with ${pinned}`;
}
