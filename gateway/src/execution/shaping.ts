/**
 * The response of an operation, shaped from what its query plan fetched: what
 * @apollo/gateway's `computeResponse` does (fields in the operation's order, aliases,
 * fragments on abstract types decided by `__typename`, `__typename` itself, @skip/@include,
 * fields the client did not ask for dropped, leaf values checked, nulls in non-null
 * positions propagated with the same errors), but compiled once per operation from its
 * graphql-js AST instead of walking federation-internals' `SelectionSet` objects per request.
 */
import { ERRORS } from '@apollo/federation-internals';
import {
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isSpecifiedScalarType,
  Kind,
  valueFromASTUntyped,
  type DirectiveNode,
  type GraphQLError,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLLeafType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** An operation this shaper does not handle (introspection, a response name it cannot store safely). */
export class UnsupportedOperationError extends Error {}

type Path = (string | number)[];

/** `@skip(if:)` / `@include(if:)`: a literal, or the name of the variable that decides. */
interface Conditions {
  skipIf?: boolean | string;
  includeIf?: boolean | string;
}

type TypeShape =
  | { kind: 'nonNull'; of: TypeShape; composite: boolean; description: string }
  | { kind: 'list'; of: TypeShape; composite: boolean; description: string }
  | { kind: 'composite'; type: GraphQLCompositeType; selections: Selection[]; composite: true; description: string }
  | { kind: 'leaf'; valid: (value: unknown) => boolean; composite: false; description: string };

interface FieldSelection {
  kind: 'field';
  responseName: string;
  /** A response name Object.prototype also has (`toString`…): read as an own property only. */
  ownOnly: boolean;
  typename: boolean;
  type: TypeShape;
  conditions: Conditions | null;
}

interface FragmentSelection {
  kind: 'fragment';
  typeCondition: GraphQLCompositeType | null;
  /** The names of the types the condition holds for (itself and its subtypes). */
  matches: ReadonlySet<string>;
  selections: Selection[];
  conditions: Conditions | null;
}

type Selection = FieldSelection | FragmentSelection;

const INVALID = 1;
const HAS_ERRORS = 2;

interface ShapingRun {
  schema: GraphQLSchema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  /** What the last `update` reported (INVALID, HAS_ERRORS): flags instead of a result object per value. */
  flags: number;
}

export interface ResponseShape {
  /** The response data and the value-completion errors, as `computeResponse` returns them. */
  shape(
    input: Record<string, unknown>,
    variables: Record<string, unknown> | undefined,
  ): { data: Record<string, unknown> | null; errors: GraphQLError[] };
}

export function compileResponseShape(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): ResponseShape {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) throw new UnsupportedOperationError(`no ${operation.operation} type`);
  const matchesCache = new Map<string, ReadonlySet<string>>();
  let usesVariables = false;

  const matchesOf = (condition: GraphQLCompositeType): ReadonlySet<string> => {
    let matches = matchesCache.get(condition.name);
    if (!matches) {
      const names = new Set([condition.name]);
      if (isAbstractType(condition)) {
        for (const type of schema.getPossibleTypes(condition)) names.add(type.name);
        if (isInterfaceType(condition)) {
          for (const type of schema.getImplementations(condition).interfaces) names.add(type.name);
        }
      }
      matches = names;
      matchesCache.set(condition.name, matches);
    }
    return matches;
  };

  const conditionsOf = (directives: readonly DirectiveNode[] | undefined): Conditions | null => {
    let conditions: Conditions | null = null;
    for (const directive of directives ?? []) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const value = directive.arguments?.find((argument) => argument.name.value === 'if')?.value;
      if (!value) continue;
      let decided: boolean | string;
      if (value.kind === Kind.VARIABLE) {
        decided = value.name.value;
        usesVariables = true;
      } else if (value.kind === Kind.BOOLEAN) {
        decided = value.value;
      } else {
        continue;
      }
      conditions ??= {};
      if (name === 'skip') conditions.skipIf = decided;
      else conditions.includeIf = decided;
    }
    return conditions;
  };

  const typeShapeOf = (type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined): TypeShape => {
    const description = String(type);
    if (isNonNullType(type)) {
      const of = typeShapeOf(type.ofType, selectionSet);
      return { kind: 'nonNull', of, composite: of.composite, description };
    }
    if (isListType(type)) {
      const of = typeShapeOf(type.ofType, selectionSet);
      return { kind: 'list', of, composite: of.composite, description };
    }
    if (isCompositeType(type)) {
      if (!selectionSet) throw new UnsupportedOperationError(`no selection on ${description}`);
      return { kind: 'composite', type, selections: selectionsOf(selectionSet, type), composite: true, description };
    }
    return { kind: 'leaf', valid: leafValidator(schema, type), composite: false, description };
  };

  const selectionsOf = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType): Selection[] => {
    const selections: Selection[] = [];
    for (const node of selectionSet.selections) {
      if (node.kind === Kind.FIELD) {
        const name = node.name.value;
        const responseName = node.alias?.value ?? name;
        if (responseName === '__proto__') throw new UnsupportedOperationError('response name __proto__');
        const conditions = conditionsOf(node.directives);
        const ownOnly = responseName in Object.prototype;
        if (name === '__typename') {
          selections.push({ kind: 'field', responseName, ownOnly, typename: true, type: LEAF_ANY, conditions });
          continue;
        }
        if (name === '__schema' || name === '__type') throw new UnsupportedOperationError('introspection');
        if (isObjectType(parentType) || isInterfaceType(parentType)) {
          const field = parentType.getFields()[name];
          if (!field) throw new UnsupportedOperationError(`unknown field ${parentType.name}.${name}`);
          selections.push({
            kind: 'field',
            responseName,
            ownOnly,
            typename: false,
            type: typeShapeOf(field.type, node.selectionSet),
            conditions,
          });
        } else {
          throw new UnsupportedOperationError(`field ${name} on union ${parentType.name}`);
        }
        continue;
      }
      let typeConditionName: string | undefined;
      let subSelection: SelectionSetNode;
      if (node.kind === Kind.INLINE_FRAGMENT) {
        typeConditionName = node.typeCondition?.name.value;
        subSelection = node.selectionSet;
      } else {
        const fragment = fragments.get(node.name.value);
        if (!fragment) throw new UnsupportedOperationError(`unknown fragment ${node.name.value}`);
        typeConditionName = fragment.typeCondition.name.value;
        subSelection = fragment.selectionSet;
      }
      const typeCondition = typeConditionName ? schema.getType(typeConditionName) : undefined;
      if (typeConditionName && !isCompositeType(typeCondition)) {
        throw new UnsupportedOperationError(`type condition ${typeConditionName}`);
      }
      const condition = (typeCondition as GraphQLCompositeType | undefined) ?? null;
      selections.push({
        kind: 'fragment',
        typeCondition: condition,
        matches: condition ? matchesOf(condition) : EMPTY,
        selections: selectionsOf(subSelection, condition ?? parentType),
        conditions: conditionsOf(node.directives),
      });
    }
    return selections;
  };

  const rootSelections = selectionsOf(operation.selectionSet, rootType);
  const defaults: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) {
      defaults[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
    }
  }

  return {
    shape(input, variables) {
      const run: ShapingRun = {
        schema,
        variables: usesVariables ? { ...defaults, ...variables } : defaults,
        errors: [],
        flags: 0,
      };
      const data: Record<string, unknown> = {};
      const bubbled = applySelections(input, rootSelections, data, [], run, rootType);
      return { data: bubbled ? null : data, errors: run.errors };
    },
  };
}

const EMPTY: ReadonlySet<string> = new Set();
/** `__typename` fields never reach `update`: the shape is only a placeholder. */
const LEAF_ANY: TypeShape = { kind: 'leaf', valid: () => true, composite: false, description: 'String' };

function isSkipped(conditions: Conditions, run: ShapingRun): boolean {
  const { skipIf, includeIf } = conditions;
  if (skipIf !== undefined && ifValue(skipIf, 'skip', run)) return true;
  return includeIf !== undefined && !ifValue(includeIf, 'include', run);
}

function ifValue(condition: boolean | string, directive: string, run: ShapingRun): boolean {
  if (typeof condition === 'boolean') return condition;
  const value = run.variables[condition];
  if (typeof value !== 'boolean') {
    throw new Error(`Unexpected value ${String(value)} for variable $${condition} of @${directive}(if: $${condition})`);
  }
  return value;
}

function ownValue(object: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/** Applies `selections` of `input` onto `output`; true when a null must bubble up to the parent. */
function applySelections(
  input: Record<string, unknown>,
  selections: readonly Selection[],
  output: Record<string, unknown>,
  path: Path,
  run: ShapingRun,
  parentType: GraphQLCompositeType,
): boolean {
  for (const selection of selections) {
    if (selection.conditions !== null && isSkipped(selection.conditions, run)) continue;
    if (selection.kind === 'field') {
      const { responseName, ownOnly } = selection;
      // [perf] inline: read for every field of every object.
      const outputValue = ownOnly ? ownValue(output, responseName) : output[responseName];
      let inputValue = (ownOnly ? ownValue(input, responseName) : input[responseName]) ?? null;
      if (selection.typename) {
        // As @apollo/gateway: the input's type when it names one of the API schema, else the
        // parent type; an abstract type there nullifies the object.
        if (outputValue !== undefined) continue;
        if (inputValue === null && responseName !== '__typename') inputValue = input.__typename ?? null;
        const type =
          typeof inputValue === 'string' ? (run.schema.getType(inputValue) ?? parentType) : (parentType as unknown);
        if (!isObjectType(type)) return true;
        output[responseName] = type.name;
        continue;
      }
      path.push(responseName);
      const updated = update(outputValue, selection.type, inputValue, path, run, parentType);
      path.pop();
      output[responseName] = updated;
      if (run.flags & INVALID) return true;
    } else {
      const typename = input.__typename;
      if (selection.typeCondition === null || selection.matches.has((typename as string) || parentType.name)) {
        const parent = selection.typeCondition ?? parentType;
        if (applySelections(input, selection.selections, output, path, run, parent)) return true;
      }
    }
  }
  return false;
}

function describe(path: Path, typeDescription: string, parentType: GraphQLCompositeType): string {
  const element = path[path.length - 1]!;
  return typeof element === 'string'
    ? `field ${parentType.name}.${element}`
    : `array element of type ${typeDescription} at index ${element}`;
}

/** `updateOutputValue` of @apollo/gateway: the updated output value; `run.flags` say INVALID / HAS_ERRORS. */
function update(
  outputValue: unknown,
  shape: TypeShape,
  inputValue: unknown,
  path: Path,
  run: ShapingRun,
  parentType: GraphQLCompositeType,
): unknown {
  if (outputValue === null || (outputValue !== undefined && !shape.composite)) {
    run.flags = 0;
    return outputValue;
  }
  // A null input stays null; a non-null wrapper reports it once its inner shape returns null.
  if (inputValue === null && shape.kind !== 'nonNull') {
    run.flags = 0;
    return null;
  }
  switch (shape.kind) {
    case 'nonNull': {
      const updated = update(outputValue, shape.of, inputValue, path, run, parentType);
      if (updated === null) {
        if (!(run.flags & HAS_ERRORS)) {
          run.errors.push(
            ERRORS.INVALID_GRAPHQL.err(
              `Cannot return null for non-nullable ${describe(path, shape.of.description, parentType)}.`,
              { path: Array.from(path) },
            ),
          );
        }
        run.flags = INVALID | HAS_ERRORS;
        return null;
      }
      run.flags = 0;
      return updated;
    }
    case 'list': {
      if (!Array.isArray(inputValue)) {
        throw new Error(
          `Invalid non-list value ${JSON.stringify(inputValue)} returned by subgraph for list type ${shape.description}`,
        );
      }
      const list = (outputValue as unknown[] | undefined) ?? new Array<unknown>(inputValue.length);
      let nullify = false;
      let hasErrors = false;
      for (let index = 0; index < inputValue.length; index++) {
        path.push(index);
        list[index] = update(list[index], shape.of, inputValue[index], path, run, parentType);
        path.pop();
        if (run.flags & INVALID) nullify = true;
        if (run.flags & HAS_ERRORS) hasErrors = true;
      }
      run.flags = hasErrors ? HAS_ERRORS : 0;
      return nullify ? null : list;
    }
    case 'composite': {
      const input = inputValue as Record<string, unknown>;
      const typename = input.__typename as string | undefined;
      let objectType: GraphQLCompositeType = shape.type;
      if (typename && typename !== objectType.name) {
        const named = run.schema.getType(typename);
        if (!named || !isCompositeType(named)) {
          // The type may be @inaccessible: its name stays out of the message.
          run.errors.push(
            ERRORS.INVALID_GRAPHQL.err(
              `Invalid __typename found for object at ${describe(path, shape.description, parentType)}.`,
              { path: Array.from(path) },
            ),
          );
          run.flags = HAS_ERRORS;
          return null;
        }
        objectType = named;
      }
      const output = (outputValue as Record<string, unknown> | undefined) ?? {};
      const bubbled = applySelections(input, shape.selections, output, path, run, objectType);
      run.flags = bubbled ? HAS_ERRORS : 0;
      return bubbled ? null : output;
    }
    case 'leaf': {
      if (shape.valid(inputValue)) {
        run.flags = 0;
        return inputValue;
      }
      run.errors.push(
        ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(path, shape.description, parentType)}.`, {
          path: Array.from(path),
        }),
      );
      run.flags = HAS_ERRORS;
      return null;
    }
  }
}

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

/** `isValidLeafValue` of federation-internals: what a subgraph may answer for a scalar or enum. */
function leafValidator(schema: GraphQLSchema, type: GraphQLLeafType): (value: unknown) => boolean {
  if (isEnumType(type)) return (value) => typeof value === 'string' && type.getValue(value) !== undefined;
  if (!isSpecifiedScalarType(type)) return () => true;
  const integer = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && INTEGER.test(String(value));
  switch (type.name) {
    case 'Boolean':
      return (value) => typeof value === 'boolean';
    case 'Int':
      return integer;
    case 'ID':
      return (value) => typeof value === 'string' || integer(value);
    case 'Float':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    default:
      return (value) => typeof value === 'string';
  }
}
