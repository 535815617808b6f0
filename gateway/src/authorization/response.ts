/**
 * Shapes the response of a filtered operation the way Apollo Router does: the client gets the
 * shape it asked for, `null` where a selection was removed (with GraphQL's null propagation
 * when the removed field is non-null), and one `UNAUTHORIZED_FIELD_OR_TYPE` error per removed
 * path (message and code as Router's).
 *
 * Like Router, the data is formatted against the client's original operation: every field it
 * selected that the filtered execution did not return is a removed one. That places nulls in
 * every list element and under every alias and fragment without interpreting paths, and drops
 * the `__typename`s the filter added to tell types apart.
 */
import {
  getOperationAST,
  GraphQLError,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { conditionHolds, fragmentsOf, type AuthorizationOutcome, type RemovedSelection } from './authorize.js';

export const UNAUTHORIZED_MESSAGE = 'Unauthorized field or type';
export const UNAUTHORIZED_CODE = 'UNAUTHORIZED_FIELD_OR_TYPE';

/** The part of an execution result this module reads and writes. */
export interface ExecutionResultLike {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLError[];
}

/** One error per removed path. */
function unauthorizedErrors(removed: readonly RemovedSelection[]): GraphQLError[] {
  return removed.map(
    (removal) =>
      new GraphQLError(UNAUTHORIZED_MESSAGE, {
        path: [...removal.path],
        extensions: { code: UNAUTHORIZED_CODE },
      }),
  );
}

/** The answer when an operation must not execute (reject mode, or nothing of it is authorized). */
export function rejectResult(removed: readonly RemovedSelection[]): { data: null; errors: GraphQLError[] } {
  return { data: null, errors: unauthorizedErrors(removed) };
}

/**
 * The client's response from the result of the executed (possibly filtered) document: nulls
 * where selections were removed, then the authorization errors after the execution's own.
 */
export function applyRemovals<R extends ExecutionResultLike>(
  result: R,
  outcome: Pick<AuthorizationOutcome, 'removed' | 'changed' | 'original'>,
  schema: GraphQLSchema,
): R {
  if (outcome.removed.length === 0) return result;
  let data = result.data;
  // Unchanged (dry run): the data is complete, only the errors are added.
  if (outcome.changed && data) data = reshape(data, outcome.original, schema);
  return { ...result, data, errors: [...(result.errors ?? []), ...unauthorizedErrors(outcome.removed)] };
}

/** Stands for a null that must propagate to the nearest nullable parent. */
const INVALID = Symbol('invalid');
type Shaped = unknown;

function reshape(
  data: Record<string, unknown>,
  original: AuthorizationOutcome['original'],
  schema: GraphQLSchema,
): Record<string, unknown> | null {
  const operation = getOperationAST(original.document, original.operationName);
  const rootType = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !rootType) return data;
  const shaper = new Shaper(schema, original.document, operation, original.variables);
  const shaped = shaper.object(data, rootType, [operation.selectionSet]);
  return shaped === INVALID ? null : shaped;
}

class Shaper {
  private readonly fragments;

  constructor(
    private readonly schema: GraphQLSchema,
    document: AuthorizationOutcome['original']['document'],
    private readonly operation: OperationDefinitionNode,
    private readonly variables: Readonly<Record<string, unknown>> | null,
  ) {
    this.fragments = fragmentsOf(document);
  }

  object(
    data: Record<string, unknown>,
    type: GraphQLObjectType,
    selectionSets: readonly SelectionSetNode[],
  ): Record<string, unknown> | typeof INVALID {
    const output: Record<string, unknown> = {};
    for (const [key, nodes] of this.collectFields(type, selectionSets)) {
      const name = nodes[0]!.name.value;
      const present = Object.hasOwn(data, key);
      if (name === '__typename') {
        output[key] = present ? data[key] : type.name;
        continue;
      }
      const field = type.getFields()[name];
      if (!field) {
        // Introspection (`__schema`, `__type`) is never filtered: passed through as executed.
        if (present) output[key] = data[key];
        continue;
      }
      // Absent: the filter removed it (execution returns every field it was asked for).
      const value = present ? this.value(data[key], field.type, nodes) : INVALID;
      if (value !== INVALID) output[key] = value;
      else if (isNonNullType(field.type)) return INVALID;
      else output[key] = null;
    }
    return output;
  }

  private value(value: unknown, type: GraphQLOutputType, nodes: readonly FieldNode[]): Shaped {
    if (isNonNullType(type)) return this.value(value, type.ofType, nodes);
    if (value === null || value === undefined) return null;
    if (isListType(type)) {
      if (!Array.isArray(value)) return value;
      const items: unknown[] = [];
      for (const item of value) {
        const shaped = this.value(item, type.ofType, nodes);
        if (shaped !== INVALID) items.push(shaped);
        else if (isNonNullType(type.ofType)) return INVALID;
        else items.push(null);
      }
      return items;
    }
    if (isLeafType(type) || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const runtimeType = isAbstractType(type) ? this.schema.getType(String(object.__typename)) : type;
    // Without a known concrete type there is nothing safe to reshape: keep what was executed.
    if (!isObjectType(runtimeType)) return value;
    const selectionSets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
    return this.object(object, runtimeType, selectionSets);
  }

  /** GraphQL's CollectFields: response key → the field nodes merged under it, for one concrete type. */
  private collectFields(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): Map<string, FieldNode[]> {
    const fields = new Map<string, FieldNode[]>();
    const visitedFragments = new Set<string>();
    const collect = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (!(selection.directives ?? []).every((d) => conditionHolds(d, this.operation, this.variables))) continue;
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          const existing = fields.get(key);
          if (existing) existing.push(selection);
          else fields.set(key, [selection]);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (!selection.typeCondition || this.applies(selection.typeCondition.name.value, type)) {
            collect(selection.selectionSet);
          }
        } else {
          const name = selection.name.value;
          const fragment = this.fragments.get(name);
          if (!fragment || visitedFragments.has(name)) continue;
          visitedFragments.add(name);
          if (this.applies(fragment.typeCondition.name.value, type)) collect(fragment.selectionSet);
        }
      }
    };
    for (const set of selectionSets) collect(set);
    return fields;
  }

  private applies(condition: string, type: GraphQLObjectType): boolean {
    if (condition === type.name) return true;
    const conditionType = this.schema.getType(condition);
    return conditionType !== undefined && isAbstractType(conditionType) && this.schema.isSubType(conditionType, type);
  }
}
