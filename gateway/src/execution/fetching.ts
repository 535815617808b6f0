/**
 * The pieces of a query plan's fetches that do not depend on the request: the
 * representations an entity fetch sends (its `requires`, compiled), the batched operation
 * that asks one subgraph for several entity fetches at once (aliased `_entities` fields),
 * merging a subgraph's answer into the result tree in place, and @apollo/gateway's mapping of
 * a subgraph error to the client's response (message, path, `code`, `serviceName`).
 */
import { ERRORS, errorCodeDef } from '@apollo/federation-internals';
import type { FetchNode, QueryPlanFieldNode, QueryPlanSelectionNode, ResponsePath } from '@apollo/query-planner';
import {
  GraphQLError,
  isAbstractType,
  isInterfaceType,
  Kind,
  OperationTypeNode,
  parse,
  print,
  stripIgnoredCharacters,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLErrorOptions,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';

export type ResultMap = Record<string, unknown>;

/** Builds the representation of one entity from the fetch's `requires`, null when an input is missing. */
export type RepresentationBuilder = (entity: ResultMap) => ResultMap | null;

/** `executeSelectionSet` of @apollo/gateway, compiled against the supergraph schema. */
export function compileRepresentation(
  supergraph: GraphQLSchema,
  requires: readonly QueryPlanSelectionNode[],
): (source: ResultMap | null) => ResultMap | null {
  type Step =
    | { kind: 'field'; name: string; sub: Builder | null }
    | { kind: 'fragment'; matches: (typename: string) => boolean; sub: Builder };
  type Builder = (source: ResultMap | null) => ResultMap | null;
  const steps: Step[] = requires.map((selection): Step => {
    if (selection.kind === 'Field') {
      return {
        kind: 'field',
        name: selection.alias ?? selection.name,
        sub: selection.selections ? compileRepresentation(supergraph, selection.selections) : null,
      };
    }
    return {
      kind: 'fragment',
      matches: typeMatcher(supergraph, selection.typeCondition),
      sub: compileRepresentation(supergraph, selection.selections),
    };
  });
  const build = (source: ResultMap | null): ResultMap | null => {
    if (source === null) return null;
    const result: ResultMap = {};
    for (const step of steps) {
      if (step.kind === 'field') {
        if (!Object.prototype.hasOwnProperty.call(source, step.name)) return null;
        const value = source[step.name];
        if (value === undefined) return null;
        const { sub } = step;
        if (Array.isArray(value)) {
          result[step.name] = sub ? value.map((element) => sub(element as ResultMap | null)) : value;
        } else {
          result[step.name] = sub ? sub(value as ResultMap | null) : value;
        }
      } else {
        const typename = source.__typename;
        if (typeof typename === 'string' && typename !== '' && step.matches(typename)) {
          deepMerge(result, step.sub(source));
        }
      }
    }
    return result;
  };
  return build;
}

/**
 * A key equal for two entities exactly when their representations are equal, read from the
 * entity without building the representation (nor stringifying it), for the usual `requires`:
 * fields of the entity's type, no sub-selections. Null for any other shape.
 */
export function compileRepresentationKey(
  supergraph: GraphQLSchema,
  requires: readonly QueryPlanSelectionNode[],
): ((entity: ResultMap) => string) | null {
  const groups: { matches: ((typename: string) => boolean) | null; fields: string[] }[] = [];
  for (const selection of requires) {
    if (selection.kind === 'Field') {
      if (selection.selections) return null;
      groups.push({ matches: null, fields: [selection.alias ?? selection.name] });
      continue;
    }
    if (selection.selections.some((inner) => inner.kind !== 'Field' || inner.selections)) return null;
    groups.push({
      matches: typeMatcher(supergraph, selection.typeCondition),
      fields: (selection.selections as QueryPlanFieldNode[]).map((inner) => inner.alias ?? inner.name),
    });
  }
  return (entity) => {
    const typename = entity.__typename;
    let key = '';
    for (let group = 0; group < groups.length; group++) {
      const { matches, fields } = groups[group]!;
      if (matches && !(typeof typename === 'string' && typename !== '' && matches(typename))) continue;
      let part = `${group}`;
      for (const field of fields) {
        const value = Object.prototype.hasOwnProperty.call(entity, field) ? entity[field] : undefined;
        if (value === undefined) {
          // A missing input: the group adds nothing to the representation (or voids it).
          part = matches ? '' : '\u0001';
          break;
        }
        part += typeof value === 'string' ? `|s${value.length}:${value}` : `|${JSON.stringify(value)}`;
      }
      if (part === '\u0001') return part;
      key += `${part}\u0000`;
    }
    return key;
  };
}

/** `isObjectOfType` of @apollo/gateway: the condition itself, or an abstract type `typename` belongs to. */
function typeMatcher(schema: GraphQLSchema, typeCondition: string | undefined): (typename: string) => boolean {
  if (!typeCondition) return () => false;
  const condition = schema.getType(typeCondition);
  if (!condition || !isAbstractType(condition)) return (typename) => typename === typeCondition;
  const names = new Set([typeCondition, ...schema.getPossibleTypes(condition).map((type) => type.name)]);
  if (isInterfaceType(condition)) {
    for (const type of schema.getImplementations(condition).interfaces) names.add(type.name);
  }
  return (typename) => names.has(typename);
}

const isObject = (value: unknown): value is ResultMap =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `deepMerge` of @apollo/gateway, in place: what `source` has that `target` lacks is linked,
 * never copied. JSON values are never functions, so a function read from `target` is a
 * property of Object.prototype (`toString`…) and counts as absent.
 */
export function deepMerge(target: ResultMap, source: ResultMap | null | undefined): void {
  if (source === undefined || source === null) return;
  for (const key in source) {
    const value = source[key];
    if (value === undefined || key === '__proto__') continue;
    let existing = target[key];
    if (typeof existing === 'function') existing = undefined;
    if (existing && isObject(value)) {
      deepMerge(existing as ResultMap, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let index = 0; index < value.length; index++) {
        const into: unknown = existing[index];
        const from: unknown = value[index];
        if (isObject(into) && isObject(from)) deepMerge(into, from);
        else existing[index] = from;
      }
    } else {
      target[key] = value;
    }
  }
}

/** `flattenResultsAtPath` of @apollo/gateway: the objects (or lists of them) at `path` under `value`. */
export function flattenAtPath(value: unknown, path: ResponsePath): unknown {
  const at = path.indexOf('@');
  if (at < 0) return valueAt(value, path, 0, path.length);
  const flattened: unknown[] = [];
  collect(valueAt(value, path, 0, at), path, at, flattened);
  return flattened;
}

/** The value at `path[from..to)` (no `@` in between), undefined or null where it stops. */
function valueAt(value: unknown, path: ResponsePath, from: number, to: number): unknown {
  let current = value;
  for (let index = from; index < to; index++) {
    if (current === undefined || current === null) return current;
    const head = path[index] as string;
    if (Array.isArray(current)) throw new Error(`Unexpected array in result for path element ${head}`);
    const object = current as ResultMap;
    current = Object.prototype.hasOwnProperty.call(object, head) ? object[head] : undefined;
  }
  return current;
}

/**
 * Appends to `into` what Apollo's `flatMap` over the list at `path[at] === '@'` yields: each
 * element's value at the rest of the path, a list there spread one level.
 */
function collect(list: unknown, path: ResponsePath, at: number, into: unknown[]): void {
  if (list === undefined || list === null) return;
  const next = path.indexOf('@', at + 1);
  const end = next < 0 ? path.length : next;
  for (const element of list as unknown[]) {
    const inner = valueAt(element, path, at + 1, end);
    if (next >= 0) {
      // Apollo's inner flatten answers null/undefined as is (one element), a list otherwise.
      if (inner === undefined || inner === null) into.push(inner);
      else collect(inner, path, next, into);
    } else if (Array.isArray(inner)) {
      for (const item of inner) into.push(item);
    } else {
      into.push(inner);
    }
  }
}

/** `generateHydratedPaths` of @apollo/gateway: the concrete path of every entity at `path`, in order. */
export function hydratedPaths(path: ResponsePath, data: unknown): ResponsePath[] {
  const result: ResponsePath[] = [];
  const walk = (parent: (string | number)[], from: number, value: unknown) => {
    if (value === null || value === undefined) return;
    const head = path[from];
    if (head === undefined) {
      result.push(parent.slice());
    } else if (head === '@') {
      (value as unknown[]).forEach((element, index) => {
        parent.push(index);
        walk(parent, from + 1, element);
        parent.pop();
      });
    } else if (Array.isArray(value)) {
      value.forEach((element, index) => {
        parent.push(index);
        walk(parent, from, element);
        parent.pop();
      });
    } else if (Object.prototype.hasOwnProperty.call(value, head)) {
      parent.push(head);
      walk(parent, from + 1, (value as ResultMap)[head as string]);
      parent.pop();
    }
  };
  walk([], 0, data);
  return result;
}

/** `downstreamServiceError` of @apollo/gateway: a subgraph's error as the client sees it. */
export function downstreamServiceError(
  original: GraphQLFormattedError,
  serviceName: string,
  path: GraphQLErrorOptions['path'],
): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options: GraphQLErrorOptions = {
    originalError: original as Error,
    path,
    extensions: { ...original.extensions, serviceName },
  };
  const codeDef = errorCodeDef(original);
  if (!codeDef && original.extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

/** The name under which the i-th fetch of a batch sends its representations. */
const representationsOf = (index: number) => `representations${index}`;
/** The alias of the i-th fetch's `_entities` field in a batch. */
export const entitiesAliasOf = (index: number) => `_${index}`;

/**
 * One operation asking a subgraph for the entities of several fetches: each fetch's
 * `_entities` field under its own alias with its own `$representations<i>`, its fragments
 * renamed apart, the client's variables declared once. Null when a fetch is not the plain
 * `_entities` query the planner writes (then the fetches go one by one).
 */
export function batchedOperation(fetches: readonly FetchNode[]): { query: string; operationName: string } | null {
  const variables = new Map<string, VariableDefinitionNode>();
  const fields: FieldNode[] = [];
  const fragments: DocumentNode['definitions'][number][] = [];
  for (const [index, fetch] of fetches.entries()) {
    if (fetch.variableUsages?.some((name) => name.startsWith('representations'))) return null;
    const document = fetch.operationDocumentNode ?? parse(fetch.operation);
    const renamed = visit(document, {
      FragmentDefinition: (node) => ({ ...node, name: { ...node.name, value: `${node.name.value}_${index}` } }),
      FragmentSpread: (node) => ({ ...node, name: { ...node.name, value: `${node.name.value}_${index}` } }),
      Variable: (node) =>
        node.name.value === 'representations'
          ? { ...node, name: { ...node.name, value: representationsOf(index) } }
          : undefined,
    });
    for (const definition of renamed.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        fragments.push(definition);
        continue;
      }
      if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== OperationTypeNode.QUERY)
        return null;
      const operation: OperationDefinitionNode = definition;
      const [field, ...others] = operation.selectionSet.selections;
      if (others.length > 0 || field?.kind !== Kind.FIELD || field.name.value !== '_entities' || field.alias) {
        return null;
      }
      fields.push({ ...field, alias: { kind: Kind.NAME, value: entitiesAliasOf(index) } });
      for (const variable of operation.variableDefinitions ?? []) {
        variables.set(variable.variable.name.value, variable);
      }
    }
  }
  const operationName = `${fetches[0]!.operationName ?? 'entities'}__batch`;
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        name: { kind: Kind.NAME, value: operationName },
        variableDefinitions: [...variables.values()],
        selectionSet: { kind: Kind.SELECTION_SET, selections: fields },
      },
      ...fragments,
    ],
  };
  return { query: stripIgnoredCharacters(print(document)), operationName };
}

/** The variables of the i-th fetch's representations in a batch. */
export function batchedVariableName(index: number): string {
  return representationsOf(index);
}
