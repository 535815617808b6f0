/**
 * Filters an operation down to what the caller may see, the way Apollo Router enforces
 * `@authenticated`, `@requiresScopes` and `@policy`: unauthorized fields, and fragments on
 * unauthorized types, are removed before planning, so no subgraph ever resolves them; each
 * removal is reported at its response path so the response step can put `null` there and an
 * `UNAUTHORIZED_FIELD_OR_TYPE` error beside it.
 *
 * Work is split by what it depends on, and cached accordingly:
 * - per document (and operation name): which protected coordinates the operation touches at
 *   all. Most operations touch none, and return the caller's document object untouched;
 * - per document and caller rights: the filtered document and every removal site, each with
 *   the `@include`/`@skip` conditions above it;
 * - per request: which of those sites the variables actually execute. Only those are reported;
 *   a field its conditions exclude is never executed, so it is neither reported nor a reason to
 *   replan (when every removal is excluded, the original document is executed as is).
 */
import { createHash } from 'node:crypto';
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AuthorizationRequirements, Requirement } from './requirements.js';

/** What the caller may do: the rights `@authenticated`, `@requiresScopes` and `@policy` check. */
export interface AuthorizationCaller {
  authenticated: boolean;
  /** Permission codes (`identity.user.read`), matched against `@requiresScopes`. */
  scopes: ReadonlySet<string>;
  /** Names of the policies that evaluated true for this request. */
  policies: ReadonlySet<string>;
}

/**
 * Router's `authorization.directives` modes: `filter` (default) removes what is unauthorized;
 * `reject` refuses the whole operation when anything would be removed; `dry_run` executes the
 * operation unchanged and only reports what would have been removed.
 */
export type AuthorizationMode = 'filter' | 'reject' | 'dry_run';

/** A response path: response keys (aliases), `@` for every element of a list, `... on T` for a type condition. */
export type AuthorizationPath = readonly (string | number)[];

/** One removed selection: where its value would have been, and the schema coordinate that refused it. */
export interface RemovedSelection {
  path: AuthorizationPath;
  /** `Type.field` for a field, `Type` for a fragment or a whole root operation. */
  coordinate: string;
}

export interface AuthorizeInput {
  /** The API schema (graphql-js), as the gateway serves it. */
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Readonly<Record<string, unknown>> | null;
  requirements: AuthorizationRequirements;
  caller: AuthorizationCaller;
  mode?: AuthorizationMode;
}

export interface AuthorizationOutcome {
  /** The document to execute: the caller's own object unless `changed`. */
  document: DocumentNode;
  /** True when `document` is a filtered copy: plan it under `queryHash`, not the original's. */
  changed: boolean;
  /** The printed filtered document and its SHA-256 (hex), present when `changed`. */
  query?: string;
  queryHash?: string;
  /** Every removal the request executes, in document order, one per path. */
  removed: readonly RemovedSelection[];
  /** True when the operation must not execute: answer `rejectResult(removed)`. */
  rejected: boolean;
  /** What the client asked, for `applyRemovals` to shape the response after it. */
  original: {
    document: DocumentNode;
    operationName: string | null;
    variables: Readonly<Record<string, unknown>> | null;
  };
}

const LIST_ELEMENT = '@';
const NOTHING_REMOVED: readonly RemovedSelection[] = Object.freeze([]);
const MAX_PLANS_PER_DOCUMENT = 64;

/**
 * Decides what of an operation the caller may execute. Unless `changed` or `rejected`, execute
 * the caller's document as it is; otherwise execute `document` (under `queryHash`) and shape
 * the result with `applyRemovals`, or answer `rejectResult(removed)` without executing.
 */
export function authorizeOperation(input: AuthorizeInput): AuthorizationOutcome {
  const { document, requirements, caller } = input;
  const operationName = input.operationName ?? null;
  const variables = input.variables ?? null;
  const original = { document, operationName, variables };
  const unchanged: AuthorizationOutcome = {
    document,
    changed: false,
    removed: NOTHING_REMOVED,
    rejected: false,
    original,
  };

  const analysis = analyze(input.schema, document, operationName, requirements);
  if (!analysis.touchesProtected) return unchanged;

  const key = callerKey(analysis, caller);
  let plan = analysis.plans.get(key);
  if (!plan) {
    plan = planFor(input.schema, document, analysis.operation!, requirements, caller);
    if (plan.sites.every((site) => site.conditions.length === 0)) {
      plan.unconditional = Object.freeze(executedRemovals(plan.sites, analysis.operation!, null));
    }
    if (analysis.plans.size >= MAX_PLANS_PER_DOCUMENT) analysis.plans.clear();
    analysis.plans.set(key, plan);
  }
  if (plan.sites.length === 0) return unchanged;

  const removed = plan.unconditional ?? executedRemovals(plan.sites, analysis.operation!, variables);
  // Removals only under excluded branches: those never execute, the original document is safe.
  if (removed.length === 0) return unchanged;

  const mode = input.mode ?? 'filter';
  if (mode === 'dry_run') return { ...unchanged, removed };
  if (mode === 'reject' || plan.rootRemoved) return { ...unchanged, removed, rejected: true };
  plan.printed ??= print(plan.document);
  plan.hash ??= createHash('sha256').update(plan.printed).digest('hex');
  return {
    document: plan.document,
    changed: true,
    query: plan.printed,
    queryHash: plan.hash,
    removed,
    rejected: false,
    original,
  };
}

/**
 * The policies an operation may check, so that only those are evaluated. An unevaluated
 * policy counts as failed, so this errs on the side of naming too many.
 */
export function policiesReferenced(
  document: DocumentNode,
  schema: GraphQLSchema,
  requirements: AuthorizationRequirements,
  operationName?: string | null,
): ReadonlySet<string> {
  return analyze(schema, document, operationName ?? null, requirements).policies;
}

// ---------------------------------------------------------------------------------------------
// Per-document analysis: does the operation touch anything protected, and with which rights?

interface Analysis {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode | null;
  touchesProtected: boolean;
  /** Scopes and policies the operation's checks mention: the only rights that change its plan. */
  scopes: readonly string[];
  policies: ReadonlySet<string>;
  plans: Map<string, Plan>;
}

const analyses = new WeakMap<AuthorizationRequirements, WeakMap<DocumentNode, Map<string | null, Analysis>>>();

function analyze(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
  requirements: AuthorizationRequirements,
): Analysis {
  let byDocument = analyses.get(requirements);
  if (!byDocument) {
    byDocument = new WeakMap();
    analyses.set(requirements, byDocument);
  }
  let byOperation = byDocument.get(document);
  if (!byOperation) {
    byOperation = new Map();
    byDocument.set(document, byOperation);
  }
  const cached = byOperation.get(operationName);
  if (cached && cached.schema === schema) return cached;

  const analysis = runAnalysis(schema, document, operationName, requirements);
  byOperation.set(operationName, analysis);
  return analysis;
}

function runAnalysis(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
  requirements: AuthorizationRequirements,
): Analysis {
  const operation = getOperationAST(document, operationName) ?? null;
  const scopes = new Set<string>();
  const policies = new Set<string>();
  let touchesProtected = false;
  const note = (requirement: Requirement | undefined) => {
    if (!requirement) return;
    touchesProtected = true;
    for (const set of requirement.scopes ?? []) for (const name of set) scopes.add(name);
    for (const set of requirement.policies ?? []) for (const name of set) policies.add(name);
  };
  const rootType = operation ? schema.getRootType(operation.operation) : undefined;
  if (operation && rootType && !isEmptyRequirementMap(requirements)) {
    const fragments = fragmentsOf(document);
    const visited = new Set<string>();
    const walk = (set: SelectionSetNode, parent: GraphQLCompositeType) => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          const field = fieldOf(parent, selection);
          if (!field) continue;
          note(requirements.fields.get(`${parent.name}.${field.name}`));
          note(implementationsRequirement(requirements, field, selection));
          const named = getNamedType(field.type);
          if (selection.selectionSet && isCompositeType(named)) walk(selection.selectionSet, named);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          if (!isCompositeType(condition)) continue;
          if (selection.typeCondition) note(requirements.types.get(condition.name));
          walk(selection.selectionSet, condition);
        } else {
          const fragment = fragments.get(selection.name.value);
          const condition = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
          if (!fragment || !isCompositeType(condition)) continue;
          note(requirements.types.get(condition.name));
          if (visited.has(fragment.name.value)) continue;
          visited.add(fragment.name.value);
          walk(fragment.selectionSet, condition);
        }
      }
    };
    note(requirements.types.get(rootType.name));
    walk(operation.selectionSet, rootType);
  }
  return {
    schema,
    operation,
    touchesProtected,
    scopes: [...scopes].sort(),
    policies,
    plans: new Map(),
  };
}

function isEmptyRequirementMap(requirements: AuthorizationRequirements): boolean {
  return requirements.types.size === 0 && requirements.fields.size === 0;
}

/** The rights that can change this operation's plan, as a cache key. */
function callerKey(analysis: Analysis, caller: AuthorizationCaller): string {
  let key = caller.authenticated ? 'A' : 'a';
  for (const scope of analysis.scopes) key += caller.scopes.has(scope) ? '1' : '0';
  key += '|';
  for (const policy of analysis.policies) key += caller.policies.has(policy) ? '1' : '0';
  return key;
}

// ---------------------------------------------------------------------------------------------
// Per-caller plan: the filtered document and every removal site.

interface Site {
  path: AuthorizationPath;
  coordinate: string;
  /** `@include`/`@skip` directives on the way from the root to the removed selection, itself included. */
  conditions: readonly DirectiveNode[];
}

interface Plan {
  document: DocumentNode;
  sites: readonly Site[];
  /** Nothing of the root selection set survived (or the root type itself is unauthorized). */
  rootRemoved: boolean;
  /** The removals when no site depends on variables: the same for every request. */
  unconditional?: readonly RemovedSelection[];
  printed?: string;
  hash?: string;
}

interface FilteredSelectionSet {
  selectionSet: SelectionSetNode;
  changed: boolean;
  empty: boolean;
}

interface FilteredFragment extends FilteredSelectionSet {
  /** Sites relative to the fragment: prefixed at each spread. */
  sites: Site[];
}

const TYPENAME_FIELD: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

function planFor(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  requirements: AuthorizationRequirements,
  caller: AuthorizationCaller,
): Plan {
  const rootType = schema.getRootType(operation.operation)!;
  const rootRequirement = requirements.types.get(rootType.name);
  if (rootRequirement && !satisfies(caller, rootRequirement)) {
    return { document, sites: [{ path: [], coordinate: rootType.name, conditions: [] }], rootRemoved: true };
  }

  const fragments = fragmentsOf(document);
  const filteredFragments = new Map<string, FilteredFragment | 'in-progress'>();
  const allowed = (requirement: Requirement | undefined) => !requirement || satisfies(caller, requirement);

  const filterFragment = (fragment: FragmentDefinitionNode, type: GraphQLCompositeType): FilteredFragment | null => {
    const name = fragment.name.value;
    const known = filteredFragments.get(name);
    if (known === 'in-progress') return null; // a cycle: invalid, and validation reports it
    if (known) return known;
    filteredFragments.set(name, 'in-progress');
    const sites: Site[] = [];
    const result = { ...filterSet(fragment.selectionSet, type, [], [], sites), sites };
    filteredFragments.set(name, result);
    return result;
  };

  const filterSet = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: AuthorizationPath,
    conditions: readonly DirectiveNode[],
    sites: Site[],
  ): FilteredSelectionSet => {
    const kept: SelectionNode[] = [];
    let changed = false;
    for (const selection of set.selections) {
      const selectionConditions = withConditions(conditions, selection.directives);
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection);
        if (!field) {
          kept.push(selection);
          continue;
        }
        const fieldPath = [...path, selection.alias?.value ?? selection.name.value];
        if (
          !allowed(requirements.fields.get(`${parent.name}.${field.name}`)) ||
          !allowed(implementationsRequirement(requirements, field, selection))
        ) {
          sites.push({ path: fieldPath, coordinate: `${parent.name}.${field.name}`, conditions: selectionConditions });
          changed = true;
          continue;
        }
        const named = getNamedType(field.type);
        if (!selection.selectionSet || !isCompositeType(named)) {
          kept.push(selection);
          continue;
        }
        const child = filterSet(
          selection.selectionSet,
          named,
          [...fieldPath, ...listElements(field.type)],
          selectionConditions,
          sites,
        );
        if (!child.changed) {
          kept.push(selection);
          continue;
        }
        changed = true;
        // An emptied selection set keeps the object, and the document valid.
        kept.push({ ...selection, selectionSet: child.empty ? typenameOnly() : child.selectionSet });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeCondition = selection.typeCondition?.name.value;
        const type = typeCondition ? schema.getType(typeCondition) : parent;
        if (!isCompositeType(type)) {
          kept.push(selection);
          continue;
        }
        if (typeCondition && !allowed(requirements.types.get(type.name))) {
          sites.push(typeConditionSite(path, type, selectionConditions));
          changed = true;
          continue;
        }
        const child = filterSet(selection.selectionSet, type, path, selectionConditions, sites);
        if (!child.changed) kept.push(selection);
        else {
          changed = true;
          if (!child.empty) kept.push({ ...selection, selectionSet: child.selectionSet });
        }
      } else {
        const fragment = fragments.get(selection.name.value);
        const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
        if (!fragment || !isCompositeType(type)) {
          kept.push(selection);
          continue;
        }
        if (!allowed(requirements.types.get(type.name))) {
          sites.push(typeConditionSite(path, type, selectionConditions));
          changed = true;
          continue;
        }
        const filtered = filterFragment(fragment, type);
        if (!filtered) {
          kept.push(selection);
          continue;
        }
        // Each use site reports the fragment's removals at its own path.
        for (const site of filtered.sites) {
          sites.push({
            path: [...path, ...site.path],
            coordinate: site.coordinate,
            conditions:
              selectionConditions.length === 0 ? site.conditions : [...selectionConditions, ...site.conditions],
          });
        }
        if (filtered.changed) changed = true;
        if (!filtered.empty) kept.push(selection);
      }
    }
    if (!changed) return { selectionSet: set, changed: false, empty: false };
    return { selectionSet: { ...set, selections: kept }, changed: true, empty: kept.length === 0 };
  };

  const sites: Site[] = [];
  const root = filterSet(operation.selectionSet, rootType, [], [], sites);
  if (!root.changed) return { document, sites, rootRemoved: false };

  const filteredOperation: OperationDefinitionNode = {
    ...operation,
    selectionSet: root.empty ? typenameOnly() : root.selectionSet,
  };
  const filteredFragmentDefinitions = new Map<string, FragmentDefinitionNode>();
  for (const [name, fragment] of fragments) {
    const filtered = filteredFragments.get(name);
    if (filtered === undefined || filtered === 'in-progress') filteredFragmentDefinitions.set(name, fragment);
    else if (!filtered.empty)
      filteredFragmentDefinitions.set(name, { ...fragment, selectionSet: filtered.selectionSet });
  }
  return {
    document: assembleDocument(schema, filteredOperation, filteredFragmentDefinitions),
    sites,
    rootRemoved: root.empty,
  };
}

/**
 * The filtered operation with only the fragments it still spreads and the variables it still
 * uses. Every selection set on an abstract type gets `__typename`, so the response step can
 * tell which type conditions apply to each object (it drops what the client did not ask for).
 */
function assembleDocument(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): DocumentNode {
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const pending: SelectionSetNode[] = [operation.selectionSet];
  for (let set = pending.pop(); set; set = pending.pop()) {
    visit(set, {
      FragmentSpread(node) {
        const name = node.name.value;
        const fragment = fragments.get(name);
        if (!usedFragments.has(name) && fragment) {
          usedFragments.add(name);
          pending.push(fragment.selectionSet);
        }
      },
      Variable(node) {
        usedVariables.add(node.name.value);
      },
    });
  }
  for (const directive of operation.directives ?? []) {
    visit(directive, {
      Variable(node) {
        usedVariables.add(node.name.value);
      },
    });
  }
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        ...operation,
        variableDefinitions: operation.variableDefinitions?.filter((definition) =>
          usedVariables.has(definition.variable.name.value),
        ),
      },
      ...[...fragments.values()].filter((fragment) => usedFragments.has(fragment.name.value)),
    ],
  };
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      SelectionSet(node) {
        const type = typeInfo.getParentType();
        if (!type || !isAbstractType(type)) return undefined;
        // Present already, or the key is an alias of another field (then the response step keeps
        // those objects as executed rather than guess their type).
        const keyTaken = node.selections.some(
          (selection) => selection.kind === Kind.FIELD && (selection.alias ?? selection.name).value === '__typename',
        );
        return keyTaken ? undefined : { ...node, selections: [TYPENAME_FIELD, ...node.selections] };
      },
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Per-request: which removal sites the variables execute.

function executedRemovals(
  sites: readonly Site[],
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null,
): readonly RemovedSelection[] {
  const removed: RemovedSelection[] = [];
  const seen = new Set<string>();
  for (const site of sites) {
    if (!site.conditions.every((directive) => conditionHolds(directive, operation, variables))) continue;
    const key = JSON.stringify(site.path);
    if (seen.has(key)) continue;
    seen.add(key);
    removed.push({ path: site.path, coordinate: site.coordinate });
  }
  return removed;
}

/** Whether an `@include`/`@skip` directive lets its selection execute, with the variables' values or defaults. */
export function conditionHolds(
  directive: DirectiveNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null,
): boolean {
  const name = directive.name.value;
  if (name !== 'include' && name !== 'skip') return true;
  const value = directive.arguments?.find((arg) => arg.name.value === 'if')?.value;
  let condition: unknown;
  if (value?.kind === Kind.BOOLEAN) condition = value.value;
  else if (value?.kind === Kind.VARIABLE) {
    const variable = value.name.value;
    if (variables && Object.hasOwn(variables, variable)) condition = variables[variable];
    else {
      const fallback = operation.variableDefinitions?.find((d) => d.variable.name.value === variable)?.defaultValue;
      condition = fallback?.kind === Kind.BOOLEAN ? fallback.value : undefined;
    }
  }
  return name === 'include' ? condition === true : condition !== true;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

function satisfies(caller: AuthorizationCaller, requirement: Requirement): boolean {
  if (requirement.authenticated && !caller.authenticated) return false;
  if (requirement.scopes && !requirement.scopes.some((set) => set.every((scope) => caller.scopes.has(scope)))) {
    return false;
  }
  if (requirement.policies && !requirement.policies.some((set) => set.every((policy) => caller.policies.has(policy)))) {
    return false;
  }
  return true;
}

/**
 * Router's rule for fields returning an interface: selecting a field directly on the interface
 * (not `__typename`, not inside a type condition) returns data of every implementation, so it
 * needs what each implementation's type needs.
 */
function implementationsRequirement(
  requirements: AuthorizationRequirements,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
): Requirement | undefined {
  const named = getNamedType(field.type);
  if (!isInterfaceType(named) || !node.selectionSet) return undefined;
  const requirement = requirements.interfaceImplementations.get(named.name);
  if (!requirement) return undefined;
  const selectsFields = node.selectionSet.selections.some(
    (selection) => selection.kind === Kind.FIELD && selection.name.value !== '__typename',
  );
  return selectsFields ? requirement : undefined;
}

/** The schema field a selection reads; undefined for introspection and meta fields, which are never filtered. */
function fieldOf(parent: GraphQLCompositeType, node: FieldNode): GraphQLField<unknown, unknown> | undefined {
  const name = node.name.value;
  if (name.startsWith('__')) return undefined;
  if (!isObjectType(parent) && !isInterfaceType(parent)) return undefined;
  return parent.getFields()[name];
}

/** The document's fragment definitions by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** One `@` per list level of a field's type. */
function listElements(type: GraphQLOutputType): string[] {
  const elements: string[] = [];
  for (let current = getNullableType(type); isListType(current); current = getNullableType(current.ofType)) {
    elements.push(LIST_ELEMENT);
  }
  return elements;
}

function withConditions(
  conditions: readonly DirectiveNode[],
  directives: readonly DirectiveNode[] | undefined,
): readonly DirectiveNode[] {
  const own = directives?.filter((directive) => directive.name.value === 'include' || directive.name.value === 'skip');
  return own && own.length > 0 ? [...conditions, ...own] : conditions;
}

/** A fragment (inline or spread) removed whole: the caller may not see its type condition. */
function typeConditionSite(
  path: AuthorizationPath,
  type: GraphQLCompositeType,
  conditions: readonly DirectiveNode[],
): Site {
  return { path: [...path, `... on ${type.name}`], coordinate: type.name, conditions };
}

function typenameOnly(): SelectionSetNode {
  return { kind: Kind.SELECTION_SET, selections: [TYPENAME_FIELD] };
}
