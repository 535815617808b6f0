/**
 * Operation limits, checked at the gateway before an operation is planned, for HTTP
 * (Apollo Server's parse and validation) and graphql-ws subscriptions alike: tokens in the
 * document, field depth, aliases, directives and root fields per operation. A refusal is an
 * `OPERATION_LIMIT_EXCEEDED` error whose `extensions.limit` names the limit; the configured
 * maximum is in the message only outside production.
 */
import type { GatewayConfig } from './config.js';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type GraphQLFormattedError,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export const OPERATION_LIMIT_EXCEEDED = 'OPERATION_LIMIT_EXCEEDED';

/** Which limit an operation exceeded: `extensions.limit` of the refusal. */
export type OperationLimit = 'tokens' | 'depth' | 'aliases' | 'directives' | 'rootFields' | 'cost';

export interface OperationLimits {
  tokens: number;
  depth: number;
  aliases: number;
  directives: number;
  rootFields: number;
  /** Most estimated cost (`@cost`/`@listSize`, operation-cost.ts), checked once variables are known. */
  cost: number;
  /** Name the configured maximum in the message (not in production). */
  exposeLimits: boolean;
}

/** The limits a gateway configuration sets. */
export function operationLimitsFrom(config: GatewayConfig): OperationLimits {
  return {
    tokens: config.MAX_OPERATION_TOKENS,
    depth: config.MAX_OPERATION_DEPTH,
    aliases: config.MAX_OPERATION_ALIASES,
    directives: config.MAX_OPERATION_DIRECTIVES,
    rootFields: config.MAX_OPERATION_ROOT_FIELDS,
    cost: config.MAX_OPERATION_COST,
    exposeLimits: config.NODE_ENV !== 'production',
  };
}

const WHAT: Record<OperationLimit, string> = {
  tokens: 'has too many tokens',
  depth: 'has too many levels of nested fields',
  aliases: 'has too many aliases',
  directives: 'has too many directives',
  rootFields: 'has too many root fields',
  cost: 'costs too much',
};

export function operationLimitError(limit: OperationLimit, limits: OperationLimits): GraphQLError {
  const maximum = limits.exposeLimits ? ` (at most ${limits[limit]})` : '';
  return new GraphQLError(`The operation ${WHAT[limit]}${maximum}`, {
    extensions: { code: OPERATION_LIMIT_EXCEEDED, limit },
  });
}

/**
 * The token limit, as parse options. graphql-js's own `maxTokens` counts exactly what
 * graphql-armor-max-tokens counts (non-EOF lexer tokens) and is the only parse hook Apollo
 * Server offers (`parseOptions`), so both transports use it rather than the armor parser.
 */
export function parseOptionsOf(limits: OperationLimits): ParseOptions {
  return { maxTokens: limits.tokens };
}

/** True for graphql-js's "Document contains more that N tokens" syntax error (so spelt in graphql 16). */
export function isTokenLimitError(error: unknown): boolean {
  return (
    error instanceof Error && /Document contains more th(?:an|at) \d+ tokens\. Parsing aborted\./.test(error.message)
  );
}

/** Validation rules for depth, aliases, directives (graphql-armor) and root fields (ours). */
export function operationLimitRules(limits: OperationLimits): ValidationRule[] {
  // The armor rules throw by default; reporting instead keeps the rest of validation intact
  // and lets every refusal carry our code.
  const report = (limit: OperationLimit) => ({
    n: limits[limit],
    exposeLimits: limits.exposeLimits,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null) => context?.reportError(operationLimitError(limit, limits))],
  });
  return [
    // Depth counts nested fields; a fragment spread adds no level of its own.
    maxDepthRule({ ...report('depth'), flattenFragments: true }),
    maxAliasesRule(report('aliases')),
    maxDirectivesRule(report('directives')),
    maxRootFieldsRule(limits),
  ];
}

/**
 * Fields selected at the root of each operation (through fragments too; `__typename` not
 * counted). graphql-armor has no such rule (max-aliases counts only aliased fields, cost-limit
 * weighs the whole tree), yet each root field of a query can be its own subgraph fetch.
 */
function maxRootFieldsRule(limits: OperationLimits): ValidationRule {
  return (context): ASTVisitor => {
    const count = (selectionSet: SelectionSetNode, seen: Set<string>): number => {
      let fields = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value !== '__typename') fields++;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          fields += count(selection.selectionSet, seen);
        } else if (!seen.has(selection.name.value)) {
          const fragment = context.getFragment(selection.name.value);
          if (fragment) fields += count(fragment.selectionSet, new Set([...seen, selection.name.value]));
        }
      }
      return fields;
    };
    return {
      OperationDefinition(operation) {
        if (count(operation.selectionSet, new Set()) > limits.rootFields) {
          context.reportError(operationLimitError('rootFields', limits));
        }
      },
    };
  };
}

/**
 * Apollo Server reports every parse error as `GRAPHQL_PARSE_FAILED` and every validation
 * error as `GRAPHQL_VALIDATION_FAILED`; this gives a limit refusal its own code back, to
 * run before the platform's error formatter.
 */
export function formatOperationLimitError(
  formatted: GraphQLFormattedError,
  error: unknown,
  limits: OperationLimits,
): GraphQLFormattedError {
  const original = (error as { originalError?: unknown } | null)?.originalError;
  const limit = (original as { extensions?: { code?: unknown; limit?: unknown } } | undefined)?.extensions;
  if (limit?.code === OPERATION_LIMIT_EXCEEDED) {
    return {
      ...formatted,
      extensions: { ...formatted.extensions, code: OPERATION_LIMIT_EXCEEDED, limit: limit.limit },
    };
  }
  if (isTokenLimitError(original)) {
    const refusal = operationLimitError('tokens', limits);
    return { message: refusal.message, extensions: { ...formatted.extensions, ...refusal.extensions } };
  }
  return formatted;
}
