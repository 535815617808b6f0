/**
 * Reads Federation's authorization directives (`@authenticated`, `@requiresScopes`, `@policy`)
 * out of a composed supergraph, and strips them so that stock `@apollo/gateway`, which refuses
 * any `for: SECURITY` feature it does not implement, loads the rest. The supergraph stays the
 * one source of truth: requirements are never declared anywhere else.
 *
 * Directive names are resolved through the supergraph's `@link`s (`as:` and `import:`), the
 * way Apollo Router resolves them, so a subgraph importing `{ name: "@authenticated", as: "@auth" }`
 * is enforced like any other.
 */
import {
  Kind,
  parse,
  print,
  visit,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type TypeNode,
} from 'graphql';

/** What a type or field needs. `scopes` and `policies` read as OR of ANDs; null when not required. */
export interface Requirement {
  readonly authenticated: boolean;
  readonly scopes: readonly (readonly string[])[] | null;
  readonly policies: readonly (readonly string[])[] | null;
}

/**
 * Everything the gateway enforces, keyed by schema coordinate. Only protected coordinates
 * are present: a missing entry means public.
 */
export interface AuthorizationRequirements {
  /** Declared on the type itself (object, interface, scalar, enum). */
  readonly types: ReadonlyMap<string, Requirement>;
  /**
   * What selecting `Type.field` needs: the field's own directives, AND its return type's, AND
   * its parent type's; for an interface field, AND what the same field needs on every
   * implementation (the value may be any of them).
   */
  readonly fields: ReadonlyMap<string, Requirement>;
  /**
   * For an interface, what its implementations' type-level directives need together: selecting
   * a field directly on a value of that interface (not inside a type condition) needs it.
   */
  readonly interfaceImplementations: ReadonlyMap<string, Requirement>;
  /** Every policy and scope named anywhere, for cache keys and policy evaluation. */
  readonly policyNames: ReadonlySet<string>;
  readonly scopeNames: ReadonlySet<string>;
  /** The directive names this supergraph uses (null when its feature is not linked). */
  readonly directiveNames: {
    readonly authenticated: string | null;
    readonly requiresScopes: string | null;
    readonly policy: string | null;
  };
}

export class UnsupportedAuthorizationFeatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedAuthorizationFeatureError';
  }
}

const LINK_IDENTITY = 'https://specs.apollo.dev/link';

/** The features we enforce, with the only version Apollo Router implements (`>=0.1.0, <=0.1.0`). */
const FEATURES = {
  authenticated: { identity: 'https://specs.apollo.dev/authenticated', argument: null, scalar: null },
  requiresScopes: { identity: 'https://specs.apollo.dev/requiresScopes', argument: 'scopes', scalar: 'Scope' },
  policy: { identity: 'https://specs.apollo.dev/policy', argument: 'policies', scalar: 'Policy' },
} as const;
type FeatureName = keyof typeof FEATURES;
const SUPPORTED_VERSION = 'v0.1';

interface LinkedFeature {
  feature: FeatureName;
  directive: ConstDirectiveNode;
  /** The name of the feature's own directive in this schema (`@authenticated`, or its alias). */
  directiveName: string;
  /** Prefix of the feature's other definitions in this schema (`requiresScopes` in `requiresScopes__Scope`). */
  namespace: string;
  /** Directives and types imported under their own (or aliased) name. */
  importedDirectives: Set<string>;
  importedTypes: Set<string>;
}

const NO_REQUIREMENT: Requirement = Object.freeze({ authenticated: false, scopes: null, policies: null });

/** Reads the requirements and the supergraph that stock `@apollo/gateway` accepts. */
export function readAuthorization(supergraphSdl: string): {
  requirements: AuthorizationRequirements;
  gatewaySupergraphSdl: string;
} {
  const document = parse(supergraphSdl, { noLocation: true });
  const links = linkedFeatures(document);
  const requirements = collectRequirements(document, links);
  const gatewaySupergraphSdl = links.length === 0 ? supergraphSdl : print(stripFeatures(document, links));
  return { requirements, gatewaySupergraphSdl };
}

/** True when the requirement asks for nothing. */
function isEmptyRequirement(requirement: Requirement): boolean {
  return !requirement.authenticated && requirement.scopes === null && requirement.policies === null;
}

/** Both requirements at once. OR-of-AND lists combine by distribution, then drop redundant sets. */
export function combineRequirements(left: Requirement, right: Requirement): Requirement {
  if (isEmptyRequirement(left)) return right;
  if (isEmptyRequirement(right)) return left;
  return {
    authenticated: left.authenticated || right.authenticated,
    scopes: combineAlternatives(left.scopes, right.scopes),
    policies: combineAlternatives(left.policies, right.policies),
  };
}

// ---------------------------------------------------------------------------------------------
// @link resolution

function linkedFeatures(document: DocumentNode): LinkedFeature[] {
  const schemaDirectives = document.definitions.flatMap((definition) =>
    definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION
      ? (definition.directives ?? [])
      : [],
  );
  const linkDirectiveName = findLinkDirectiveName(schemaDirectives);
  const features: LinkedFeature[] = [];
  for (const directive of schemaDirectives) {
    if (directive.name.value !== linkDirectiveName) continue;
    const url = stringArgument(directive, 'url');
    if (url === null) continue;
    const parsed = parseFeatureUrl(url);
    if (parsed === null) continue;
    const feature = (Object.keys(FEATURES) as FeatureName[]).find(
      (name) => FEATURES[name].identity === parsed.identity,
    );
    if (feature === undefined) continue;
    if (parsed.version !== SUPPORTED_VERSION) {
      // Failing closed: silently ignoring a newer security feature would drop its protection.
      throw new UnsupportedAuthorizationFeatureError(
        `${url} is not supported: only ${FEATURES[feature].identity}/${SUPPORTED_VERSION} is enforced`,
      );
    }
    const namespace = stringArgument(directive, 'as') ?? parsed.name;
    const imports = importedElements(directive);
    const imported = [...imports.entries()];
    features.push({
      feature,
      directive,
      directiveName: imports.get(`@${parsed.name}`)?.slice(1) ?? namespace,
      namespace,
      importedDirectives: new Set(imported.filter(([name]) => name.startsWith('@')).map(([, local]) => local.slice(1))),
      importedTypes: new Set(imported.filter(([name]) => !name.startsWith('@')).map(([, local]) => local)),
    });
  }
  return features;
}

/** `@link` may itself be renamed (`@link(url: ".../link/v1.0", as: "mylink")`). */
function findLinkDirectiveName(directives: readonly ConstDirectiveNode[]): string {
  for (const directive of directives) {
    const url = stringArgument(directive, 'url');
    if (url === null) continue;
    const parsed = parseFeatureUrl(url);
    if (parsed?.identity === LINK_IDENTITY) return stringArgument(directive, 'as') ?? directive.name.value;
  }
  return 'link';
}

function parseFeatureUrl(url: string): { identity: string; name: string; version: string } | null {
  const match = /^(.*\/([A-Za-z_][A-Za-z0-9_-]*))\/(v\d+\.\d+)\/?$/.exec(url);
  if (!match) return null;
  return { identity: match[1]!, name: match[2]!, version: match[3]! };
}

/** `import: ["@authenticated", { name: "@requiresScopes", as: "@scopes" }]` as element → local name. */
function importedElements(directive: ConstDirectiveNode): Map<string, string> {
  const imports = new Map<string, string>();
  const value = argument(directive, 'import');
  if (value?.kind !== Kind.LIST) return imports;
  for (const item of value.values) {
    if (item.kind === Kind.STRING) imports.set(item.value, item.value);
    if (item.kind === Kind.OBJECT) {
      const name = item.fields.find((field) => field.name.value === 'name')?.value;
      const alias = item.fields.find((field) => field.name.value === 'as')?.value;
      if (name?.kind !== Kind.STRING) continue;
      imports.set(name.value, alias?.kind === Kind.STRING ? alias.value : name.value);
    }
  }
  return imports;
}

function argument(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((arg) => arg.name.value === name)?.value;
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | null {
  const value = argument(directive, name);
  return value?.kind === Kind.STRING ? value.value : null;
}

// ---------------------------------------------------------------------------------------------
// Requirements

interface TypeInfo {
  kind: 'object' | 'interface' | 'other';
  directives: ConstDirectiveNode[];
  fields: Map<string, { type: TypeNode; directives: ConstDirectiveNode[] }>;
  interfaces: Set<string>;
}

function collectRequirements(document: DocumentNode, links: LinkedFeature[]): AuthorizationRequirements {
  const directiveFeature = new Map<string, FeatureName>(links.map((link) => [link.directiveName, link.feature]));
  const directiveNames = {
    authenticated: links.find((link) => link.feature === 'authenticated')?.directiveName ?? null,
    requiresScopes: links.find((link) => link.feature === 'requiresScopes')?.directiveName ?? null,
    policy: links.find((link) => link.feature === 'policy')?.directiveName ?? null,
  };
  const empty: AuthorizationRequirements = {
    types: new Map(),
    fields: new Map(),
    interfaceImplementations: new Map(),
    policyNames: new Set(),
    scopeNames: new Set(),
    directiveNames,
  };
  if (links.length === 0) return empty;

  const types = indexTypes(document);
  const requirementOf = (directives: readonly ConstDirectiveNode[]): Requirement => {
    let requirement = NO_REQUIREMENT;
    for (const directive of directives) {
      const feature = directiveFeature.get(directive.name.value);
      if (feature === undefined) continue;
      requirement = combineRequirements(requirement, directiveRequirement(feature, directive));
    }
    return requirement;
  };

  const typeRequirements = new Map<string, Requirement>();
  for (const [name, info] of types) {
    const requirement = requirementOf(info.directives);
    if (!isEmptyRequirement(requirement)) typeRequirements.set(name, requirement);
  }
  const typeRequirement = (name: string) => typeRequirements.get(name) ?? NO_REQUIREMENT;

  // A field needs its own directives, its return type's and its parent type's.
  const baseField = new Map<string, Requirement>();
  for (const [typeName, info] of types) {
    for (const [fieldName, field] of info.fields) {
      const requirement = combineRequirements(
        combineRequirements(requirementOf(field.directives), typeRequirement(namedType(field.type))),
        typeRequirement(typeName),
      );
      if (!isEmptyRequirement(requirement)) baseField.set(`${typeName}.${fieldName}`, requirement);
    }
  }

  const implementations = new Map<string, string[]>();
  for (const [typeName, info] of types) {
    if (info.kind !== 'object') continue;
    for (const name of info.interfaces) implementations.set(name, [...(implementations.get(name) ?? []), typeName]);
  }

  const fields = new Map<string, Requirement>();
  const interfaceImplementations = new Map<string, Requirement>();
  for (const [typeName, info] of types) {
    if (info.kind === 'other') continue;
    const implementors = info.kind === 'interface' ? (implementations.get(typeName) ?? []) : [];
    for (const fieldName of info.fields.keys()) {
      let requirement = baseField.get(`${typeName}.${fieldName}`) ?? NO_REQUIREMENT;
      // The value of an interface field may be any implementation: it needs what each needs.
      for (const implementor of implementors) {
        requirement = combineRequirements(requirement, baseField.get(`${implementor}.${fieldName}`) ?? NO_REQUIREMENT);
      }
      if (!isEmptyRequirement(requirement)) fields.set(`${typeName}.${fieldName}`, requirement);
    }
    if (info.kind === 'interface') {
      const requirement = implementors.reduce(
        (sum, name) => combineRequirements(sum, typeRequirement(name)),
        NO_REQUIREMENT,
      );
      if (!isEmptyRequirement(requirement)) interfaceImplementations.set(typeName, requirement);
    }
  }

  const policyNames = new Set<string>();
  const scopeNames = new Set<string>();
  for (const requirement of [...typeRequirements.values(), ...fields.values()]) {
    for (const set of requirement.policies ?? []) for (const name of set) policyNames.add(name);
    for (const set of requirement.scopes ?? []) for (const name of set) scopeNames.add(name);
  }
  return { types: typeRequirements, fields, interfaceImplementations, policyNames, scopeNames, directiveNames };
}

function indexTypes(document: DocumentNode): Map<string, TypeInfo> {
  const types = new Map<string, TypeInfo>();
  const entry = (name: string, kind: TypeInfo['kind']): TypeInfo => {
    let info = types.get(name);
    if (!info) {
      info = { kind, directives: [], fields: new Map(), interfaces: new Set() };
      types.set(name, info);
    }
    return info;
  };
  const addFields = (info: TypeInfo, fields: readonly FieldDefinitionNode[] | undefined) => {
    for (const field of fields ?? []) {
      const existing = info.fields.get(field.name.value);
      if (existing) existing.directives.push(...(field.directives ?? []));
      else info.fields.set(field.name.value, { type: field.type, directives: [...(field.directives ?? [])] });
    }
  };
  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION: {
        const object =
          definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION;
        const info = entry(definition.name.value, object ? 'object' : 'interface');
        info.directives.push(...(definition.directives ?? []));
        for (const name of definition.interfaces ?? []) info.interfaces.add(name.name.value);
        addFields(info, definition.fields);
        break;
      }
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
        entry(definition.name.value, 'other').directives.push(...(definition.directives ?? []));
        break;
      default:
        break;
    }
  }
  return types;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function directiveRequirement(feature: FeatureName, directive: ConstDirectiveNode): Requirement {
  const argumentName = FEATURES[feature].argument;
  if (argumentName === null) return { authenticated: true, scopes: null, policies: null };
  const value = argument(directive, argumentName);
  const alternatives = value === undefined ? null : normalizeAlternatives(coerceNestedList(value));
  return feature === 'requiresScopes'
    ? { authenticated: false, scopes: alternatives, policies: null }
    : { authenticated: false, scopes: null, policies: alternatives };
}

/** Input coercion of `[[String!]!]!`: a single value stands for a list of one. */
function coerceNestedList(value: ConstValueNode): string[][] {
  const inner = (item: ConstValueNode): string[] =>
    item.kind === Kind.LIST
      ? item.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : []))
      : item.kind === Kind.STRING
        ? [item.value]
        : [];
  return value.kind === Kind.LIST ? value.values.map(inner) : [inner(value)];
}

/**
 * Canonical OR-of-ANDs: sorted, deduplicated, without sets that contain another set. As in
 * Router, an empty list, or an alternative that asks for nothing, is always satisfied (null).
 */
function normalizeAlternatives(sets: readonly (readonly string[])[]): string[][] | null {
  if (sets.length === 0) return null;
  const unique = new Map<string, string[]>();
  for (const set of sets) {
    const sorted = [...new Set(set)].sort();
    if (sorted.length === 0) return null;
    unique.set(sorted.join('\u0000'), sorted);
  }
  const candidates = [...unique.values()].sort((a, b) => a.length - b.length || a.join(' ').localeCompare(b.join(' ')));
  const minimal: string[][] = [];
  for (const candidate of candidates) {
    if (!minimal.some((kept) => kept.every((name) => candidate.includes(name)))) minimal.push(candidate);
  }
  return minimal.sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

function combineAlternatives(
  left: readonly (readonly string[])[] | null,
  right: readonly (readonly string[])[] | null,
): readonly (readonly string[])[] | null {
  if (left === null) return right;
  if (right === null) return left;
  const product: string[][] = [];
  for (const a of left) for (const b of right) product.push([...a, ...b]);
  return normalizeAlternatives(product);
}

// ---------------------------------------------------------------------------------------------
// Stripping

function stripFeatures(document: DocumentNode, links: LinkedFeature[]): DocumentNode {
  const linkDirectives = new Set<ConstDirectiveNode>(links.map((link) => link.directive));
  const directiveNames = new Set(links.flatMap((link) => [link.directiveName, ...link.importedDirectives]));
  const isFeatureDefinition = (name: string) =>
    links.some((link) => name.startsWith(`${link.namespace}__`) || link.importedTypes.has(name));

  const stripped = visit(document, {
    Directive(node) {
      if (linkDirectives.has(node as ConstDirectiveNode) || directiveNames.has(node.name.value)) return null;
      return undefined;
    },
  });
  return {
    ...stripped,
    definitions: stripped.definitions.filter((definition: DefinitionNode) => {
      if (definition.kind === Kind.DIRECTIVE_DEFINITION) {
        return !directiveNames.has(definition.name.value) && !isFeatureDefinition(definition.name.value);
      }
      if (definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION) return true;
      return !('name' in definition && definition.name && isFeatureDefinition(definition.name.value));
    }),
  };
}
