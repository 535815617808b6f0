/**
 * Composes the four benchmark subgraphs into a supergraph with @apollo/composition, and
 * compares a supergraph with the workload's reference one (types, fields, arguments, and
 * which subgraph owns, requires, provides or keys what), ignoring routing URLs and the
 * versions of the join and link specs.
 */
import { composeServices } from '@apollo/composition';
import { Kind, parse, print, type DirectiveNode, type DefinitionNode, type DocumentNode } from 'graphql';
import { BENCH_SUBGRAPH_NAMES, benchSubgraphs, type BenchSubgraphName } from './subgraphs.js';

export function composeBenchSupergraph(urls: Record<BenchSubgraphName, string>): string {
  const result = composeServices(
    BENCH_SUBGRAPH_NAMES.map((name) => ({ name, url: urls[name], typeDefs: benchSubgraphs[name].typeDefs })),
  );
  if (result.errors) {
    throw new Error(`benchmark subgraphs do not compose:\n${result.errors.map((error) => error.message).join('\n')}`);
  }
  return result.supergraphSdl;
}

/** Spec machinery, not part of the graph: its shape changes with the spec versions. */
const isSpecType = (name: string) => name.startsWith('join__') || name.startsWith('link__');
/** The join directives that carry the graph's federation semantics. */
const SEMANTIC_DIRECTIVES = new Set(['join__type', 'join__field', 'join__implements', 'join__unionMember']);
/** Arguments at their default value, which later join versions print and earlier ones omit. */
const DEFAULT_ARGUMENTS: Record<string, string> = {
  extension: 'false',
  resolvable: 'true',
  isInterfaceObject: 'false',
  external: 'false',
  usedOverridden: 'false',
};

function printDirective(directive: DirectiveNode): string | null {
  if (!SEMANTIC_DIRECTIVES.has(directive.name.value)) return null;
  const args = (directive.arguments ?? [])
    .map((argument) => [argument.name.value, print(argument.value)] as const)
    .filter(([name, value]) => DEFAULT_ARGUMENTS[name] !== value)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}: ${value}`);
  return `@${directive.name.value}(${args.join(', ')})`;
}

const directivesOf = (directives: readonly DirectiveNode[] | undefined): string =>
  (directives ?? [])
    .map(printDirective)
    .filter((text): text is string => text !== null)
    .sort()
    .join(' ');

/** One line per type, field and argument of the graph, with its federation directives. */
function describe(definition: DefinitionNode): string[] {
  if (!('name' in definition) || !definition.name || isSpecType(definition.name.value)) return [];
  const typeName = definition.name.value;
  const lines = [
    `${definition.kind} ${typeName} ${directivesOf('directives' in definition ? definition.directives : [])}`,
  ];
  if (
    definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
    definition.kind === Kind.INTERFACE_TYPE_DEFINITION ||
    definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION
  ) {
    for (const field of definition.fields ?? []) {
      const args =
        'arguments' in field
          ? (field.arguments ?? []).map(
              (arg) =>
                `${arg.name.value}: ${print(arg.type)}${arg.defaultValue ? ` = ${print(arg.defaultValue)}` : ''}`,
            )
          : [];
      lines.push(
        `  ${typeName}.${field.name.value}(${args.join(', ')}): ${print(field.type)} ${directivesOf(field.directives)}`,
      );
    }
  }
  if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
    for (const value of definition.values ?? []) lines.push(`  ${typeName}.${value.name.value}`);
  }
  if (definition.kind === Kind.UNION_TYPE_DEFINITION) {
    lines.push(`  ${typeName} = ${(definition.types ?? []).map((type) => type.name.value).join(' | ')}`);
  }
  return lines;
}

function describeSupergraph(sdl: string | DocumentNode): Set<string> {
  const document = typeof sdl === 'string' ? parse(sdl) : sdl;
  const graphs = document.definitions.flatMap((definition) =>
    definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph'
      ? (definition.values ?? []).map((value) => `join__Graph.${value.name.value}`)
      : [],
  );
  return new Set([...graphs, ...document.definitions.flatMap(describe)]);
}

/** What differs between two supergraphs, as `+ line` (only in `actual`) and `- line` (only in `reference`). */
export function supergraphDifferences(actual: string, reference: string): string[] {
  const got = describeSupergraph(actual);
  const want = describeSupergraph(reference);
  return [
    ...[...want].filter((line) => !got.has(line)).map((line) => `- ${line}`),
    ...[...got].filter((line) => !want.has(line)).map((line) => `+ ${line}`),
  ];
}
