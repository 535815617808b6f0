/**
 * The cost limit: a static estimate of what an operation will cost, from the federation
 * `@cost` and `@listSize` directives (the demand-control spec `https://specs.apollo.dev/cost`
 * that Apollo Router reads), computed at the gateway before planning, on HTTP and graphql-ws.
 *
 * Written here rather than taken from graphql-armor: its cost-limit rule weighs every object
 * and scalar alike, knows nothing of `@cost`/`@listSize` or slicing arguments, and cannot see
 * variables (a validation rule runs before they are known), so `first: $n` would cost the same
 * for n = 1 and n = 1,000,000.
 *
 * The estimate follows Router's static one:
 * - a field costs its own `@cost(weight)`, else its type's `@cost`, else 1 for an object,
 *   interface or union and 0 for a scalar or enum; plus the `@cost` of each argument (and
 *   input field) it is given; plus what its selection costs;
 * - a list field multiplies its type's and its selection's cost by its size: the largest
 *   slicing argument given (`@listSize(slicingArguments)`, literal, variable or default),
 *   else `@listSize(assumedSize)`, else a default list size; `sizedFields` moves that size
 *   to the named list fields of the result (a connection's `edges`);
 * - each root field of a mutation adds 10 (Router adds 10 per mutation; per field, so that
 *   aliasing a mutation forty times costs forty times);
 * - introspection fields cost nothing (introspection is off in production, and depth-bounded).
 */
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  OperationTypeNode,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** What the supergraph's `@cost` and `@listSize` say, keyed by `Type` and `Type.field`. */
export interface CostModel {
  /** `@cost` on an object, scalar or enum type. */
  typeWeights: Map<string, number>;
  /** `@cost` on a field (`Type.field`) or input field (`Input.field`). */
  fieldWeights: Map<string, number>;
  /** `@cost` on an argument (`Type.field(argument)`). */
  argumentWeights: Map<string, number>;
  /** `@listSize` on a field (`Type.field`). */
  listSizes: Map<string, ListSize>;
}

interface ListSize {
  assumedSize: number | null;
  slicingArguments: string[];
  sizedFields: string[];
}

export const EMPTY_COST_MODEL: CostModel = {
  typeWeights: new Map(),
  fieldWeights: new Map(),
  argumentWeights: new Map(),
  listSizes: new Map(),
};

/** A list field's size when neither a slicing argument nor `@listSize(assumedSize)` tells it. */
export const DEFAULT_LIST_SIZE = 10;
/** What each root field of a mutation adds (Router's mutation cost). */
const MUTATION_ROOT_FIELD_COST = 10;

const COST_SPEC = /^https:\/\/specs\.apollo\.dev\/cost\/v\d+\.\d+$/;

/**
 * The names the supergraph gives `@cost` and `@listSize`, from its `@link` of the cost spec
 * (`as:` renames the spec, `import:` brings `@listSize` in under its own name or another).
 */
function costDirectiveNames(document: DocumentNode): { cost: string; listSize: string } | null {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const args = argumentValues(link);
      if (typeof args.url !== 'string' || !COST_SPEC.test(args.url)) continue;
      const prefix = typeof args.as === 'string' ? args.as : 'cost';
      const names = { cost: prefix, listSize: `${prefix}__listSize` };
      for (const entry of Array.isArray(args.import) ? args.import : []) {
        const imported =
          typeof entry === 'string' ? { name: entry, as: entry } : (entry as { name?: unknown; as?: unknown });
        const as = typeof imported.as === 'string' ? imported.as : imported.name;
        if (typeof as !== 'string') continue;
        if (imported.name === '@cost') names.cost = as.slice(1);
        if (imported.name === '@listSize') names.listSize = as.slice(1);
      }
      return names;
    }
  }
  return null;
}

function argumentValues(directive: DirectiveNode | ConstDirectiveNode): Record<string, unknown> {
  return Object.fromEntries((directive.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value)]));
}

/** Reads the cost model from a composed supergraph's SDL (no cost spec linked: an empty model). */
export function readCostModel(supergraphSdl: string): CostModel {
  const document = parse(supergraphSdl);
  const names = costDirectiveNames(document);
  if (!names) return EMPTY_COST_MODEL;
  const model: CostModel = {
    typeWeights: new Map(),
    fieldWeights: new Map(),
    argumentWeights: new Map(),
    listSizes: new Map(),
  };
  const weightOf = (directives: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): number | null => {
    const cost = directives?.find((directive) => directive.name.value === names.cost);
    const weight = cost ? argumentValues(cost).weight : undefined;
    return typeof weight === 'number' ? weight : null;
  };
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeName = definition.name.value;
    const typeWeight = weightOf(definition.directives);
    if (typeWeight !== null) model.typeWeights.set(typeName, typeWeight);
    if (!('fields' in definition)) continue;
    for (const field of definition.fields ?? []) {
      const key = `${typeName}.${field.name.value}`;
      const weight = weightOf(field.directives);
      if (weight !== null) model.fieldWeights.set(key, weight);
      for (const argument of 'arguments' in field ? (field.arguments ?? []) : []) {
        const argumentWeight = weightOf(argument.directives);
        if (argumentWeight !== null) model.argumentWeights.set(`${key}(${argument.name.value})`, argumentWeight);
      }
      const listSize = field.directives?.find((directive) => directive.name.value === names.listSize);
      if (listSize) {
        const args = argumentValues(listSize);
        model.listSizes.set(key, {
          assumedSize: typeof args.assumedSize === 'number' ? args.assumedSize : null,
          slicingArguments: Array.isArray(args.slicingArguments) ? (args.slicingArguments as string[]) : [],
          sizedFields: Array.isArray(args.sizedFields) ? (args.sizedFields as string[]) : [],
        });
      }
    }
  }
  return model;
}

export interface CostRequest {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
}

/** The operation's estimated cost (see the module comment), an integer. */
export function operationCost(model: CostModel, request: CostRequest): number {
  const { schema, document, operation } = request;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const given = request.variables?.[name];
    variables[name] =
      given !== undefined ? given : definition.defaultValue ? valueFromASTUntyped(definition.defaultValue) : null;
  }
  const valueOf = (node: ValueNode): unknown => valueFromASTUntyped(node, variables);

  const inputCost = (type: GraphQLInputType, value: unknown): number => {
    const named = getNamedType(type);
    if (!isInputObjectType(named) || value === null || typeof value !== 'object') return 0;
    const items = Array.isArray(value) ? value : [value];
    let cost = 0;
    for (const item of items as Record<string, unknown>[]) {
      if (item === null || typeof item !== 'object') continue;
      for (const [name, field] of Object.entries(named.getFields())) {
        if (item[name] === undefined) continue;
        cost += (model.fieldWeights.get(`${named.name}.${name}`) ?? 0) + inputCost(field.type, item[name]);
      }
    }
    return cost;
  };

  const sizeOf = (node: FieldNode, field: GraphQLField<unknown, unknown>, listSize: ListSize | undefined): number => {
    let sliced: number | null = null;
    for (const name of listSize?.slicingArguments ?? []) {
      const given = node.arguments?.find((arg) => arg.name.value === name);
      const value = given ? valueOf(given.value) : field.args.find((arg) => arg.name === name)?.defaultValue;
      if (typeof value === 'number' && Number.isFinite(value)) sliced = Math.max(sliced ?? 0, value);
    }
    return Math.max(0, sliced ?? listSize?.assumedSize ?? DEFAULT_LIST_SIZE);
  };

  const fieldCost = (node: FieldNode, parent: GraphQLCompositeType, sized: Map<string, number> | undefined): number => {
    if (node.name.value.startsWith('__')) return 0; // __typename and introspection
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
    const field = parent.getFields()[node.name.value];
    if (!field) return 0; // validation has refused it already
    const key = `${parent.name}.${field.name}`;
    const named = getNamedType(field.type);
    const typeCost =
      model.fieldWeights.get(key) ?? model.typeWeights.get(named.name) ?? (isCompositeType(named) ? 1 : 0);
    let argumentsCost = 0;
    for (const argument of node.arguments ?? []) {
      const definition = field.args.find((arg) => arg.name === argument.name.value);
      if (!definition) continue;
      argumentsCost +=
        (model.argumentWeights.get(`${key}(${definition.name})`) ?? 0) +
        inputCost(definition.type, valueOf(argument.value));
    }
    const listSize = model.listSizes.get(key);
    const size = sizeOf(node, field, listSize);
    const isList = isListType(getNullableType(field.type));
    // sizedFields: this field returns an object (a connection); the size belongs to its lists.
    const childSized =
      listSize && listSize.sizedFields.length > 0
        ? new Map(listSize.sizedFields.map((name) => [name, size]))
        : undefined;
    const instances = isList ? (sized?.get(field.name) ?? (childSized ? 1 : size)) : 1;
    const selectionCost =
      node.selectionSet && isCompositeType(named) ? selectionSetCost(node.selectionSet, named, childSized) : 0;
    return instances * (typeCost + selectionCost) + argumentsCost;
  };

  const selectionSetCost = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    sized: Map<string, number> | undefined,
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        cost += fieldCost(selection, parent, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) cost += selectionSetCost(selection.selectionSet, type, sized);
      } else {
        // Validation (NoFragmentCycles) ran first, so spreads cannot recurse forever.
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && type && isCompositeType(type)) cost += selectionSetCost(fragment.selectionSet, type, sized);
      }
    }
    return cost;
  };

  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  let cost = selectionSetCost(operation.selectionSet, root, undefined);
  if (operation.operation === OperationTypeNode.MUTATION) {
    cost += MUTATION_ROOT_FIELD_COST * rootFieldsOf(operation, fragments).length;
  }
  return Math.ceil(cost);
}

/** The operation's root fields (by name, one per alias; through fragments; no `__typename`). */
export function rootFieldsOf(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): string[] {
  const fields: string[] = [];
  const collect = (selectionSet: SelectionSetNode, seen: ReadonlySet<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!selection.name.value.startsWith('__')) fields.push(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet, new Set([...seen, selection.name.value]));
      }
    }
  };
  collect(operation.selectionSet, new Set());
  return fields;
}
