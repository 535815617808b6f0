/**
 * The gateway's one authorization path, for queries and mutations over HTTP and for
 * subscriptions over graphql-ws alike: the policies an operation references are evaluated for
 * its caller, the operation is authorized (`authorizeOperation`, in `AUTHORIZATION_MODE`), and
 * every denial is logged, counted in `gateway_authorization_denials_total` and announced to
 * `onDenied` (the audit event). `AuthorizingGateway` and the subscription server only decide,
 * from the decision, what to execute.
 */
import { createHash } from 'node:crypto';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Logger } from '@platform/service-kit';
import { Counter, type Registry } from 'prom-client';
import {
  authorizeOperation,
  evaluatePolicies,
  policiesReferenced,
  type AuthorizationMode,
  type AuthorizationOutcome,
  type AuthorizationRequirements,
  type PolicyRegistry,
  type RemovedSelection,
} from './authorization/index.js';
import type { GatewayContext } from './context.js';

export type OperationType = 'query' | 'mutation' | 'subscription';

/** Who was denied which fields of which operation: what `onDenied` hears, and the audit records. */
export interface AuthorizationDenial {
  requestId: string;
  userId: string | null;
  operationName: string | null;
  operationType: OperationType;
  /** SHA-256 (hex) of the operation document as the client sent it (see {@link operationHashOf}). */
  operationHash: string;
  client: { ip: string | null; userAgent: string | null };
  mode: AuthorizationMode | 'off';
  removed: readonly RemovedSelection[];
}

export interface AuthorizationEnforcerOptions {
  /** Read at every operation: the requirements of the supergraph currently served (null until loaded). */
  requirements: () => AuthorizationRequirements | null;
  /** null: enforcement off (`AUTHORIZATION_MODE=off`, measuring its cost); subgraphs still check. */
  mode: AuthorizationMode | null;
  policies: PolicyRegistry;
  logger: Logger;
  /** Where `gateway_authorization_denials_total` is registered. */
  registry: Registry;
  /** Told of every denial, e.g. to publish it for the audit log. */
  onDenied?: (denial: AuthorizationDenial) => void;
}

export interface AuthorizationRequest {
  /** The API schema the operation was validated against. */
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName: string | null;
  variables: Readonly<Record<string, unknown>> | null;
  operationType: OperationType;
  /** {@link operationHashOf} the operation's text: how a denial names the operation. */
  operationHash: string;
  context: GatewayContext;
}

export interface AuthorizationDecision {
  /**
   * null: execute the operation as the client sent it (nothing to remove, enforcement off, or
   * `dry_run`). Otherwise shape the result after it with `applyRemovals`.
   */
  outcome: AuthorizationOutcome | null;
  /** True: execute nothing; answer `rejectResult(removed)`. */
  rejected: boolean;
  /** The document to plan: the filtered one when fields were removed. */
  document: DocumentNode;
  /** What enforcement removes (empty when nothing, or in `dry_run`). */
  removed: readonly RemovedSelection[];
}

const NO_POLICIES: ReadonlySet<string> = new Set();
const NOTHING: readonly RemovedSelection[] = Object.freeze([]);
const LOGGED_REMOVALS = 100;

/** SHA-256 (hex) of an operation's text as the client sent it: Apollo Server's `queryHash`. */
export function operationHashOf(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

export class AuthorizationEnforcer {
  private readonly denials: Counter<'mode' | 'operation_type'>;
  private readonly unknownPoliciesLogged = new Set<string>();

  constructor(private readonly options: AuthorizationEnforcerOptions) {
    this.denials = new Counter({
      name: 'gateway_authorization_denials_total',
      help: 'Operations from which the gateway removed (or would remove) unauthorized fields, by mode and operation type',
      labelNames: ['mode', 'operation_type'],
      registers: [options.registry],
    });
  }

  /**
   * Decides what of the operation its caller may execute. `report: false` only decides (a live
   * subscription re-checked before each event): the denial was reported when it started.
   */
  async authorize(request: AuthorizationRequest, { report = true } = {}): Promise<AuthorizationDecision> {
    const { schema, document, operationName, variables, context } = request;
    const unchanged: AuthorizationDecision = { outcome: null, rejected: false, document, removed: NOTHING };
    const requirements = this.options.requirements();
    const mode = this.options.mode;
    if (!requirements || mode === null) return unchanged;

    const referenced = policiesReferenced(document, schema, requirements, operationName);
    const policies = referenced.size === 0 ? NO_POLICIES : await this.evaluate(referenced, context, operationName);
    const outcome = authorizeOperation({
      schema,
      document,
      operationName,
      variables,
      requirements,
      caller: {
        authenticated: context.caller.userId !== null,
        scopes: new Set(context.caller.permissions),
        policies,
      },
      mode,
    });
    if (outcome.removed.length === 0) return unchanged;
    if (report) this.report(request, mode, outcome.removed);
    if (mode === 'dry_run') return unchanged;
    return { outcome, rejected: outcome.rejected, document: outcome.document, removed: outcome.removed };
  }

  private async evaluate(names: ReadonlySet<string>, context: GatewayContext, operationName: string | null) {
    const evaluation = await evaluatePolicies(names, this.options.policies, {
      userId: context.caller.userId,
      sessionId: context.caller.sessionId,
      permissions: new Set(context.caller.permissions),
      authTime: context.authTime,
      clientIp: context.client.ip,
      operationName,
      now: new Date(),
    });
    for (const name of evaluation.unknown) {
      if (this.unknownPoliciesLogged.has(name)) continue;
      this.unknownPoliciesLogged.add(name);
      this.options.logger.warn(
        { policy: name },
        'the supergraph names a policy the gateway does not implement: denied',
      );
    }
    for (const failure of evaluation.failed) {
      context.logger.error({ err: failure.error, policy: failure.name }, 'policy failed: denied');
    }
    return evaluation.passed;
  }

  private report(request: AuthorizationRequest, mode: AuthorizationMode, removed: readonly RemovedSelection[]) {
    const { context, operationName, operationType, operationHash } = request;
    this.denials.inc({ mode, operation_type: operationType });
    context.logger.info(
      {
        userId: context.caller.userId,
        operationName,
        operationType,
        mode,
        // The client chooses how many fields it asks for; the log line, like the event, lists the first 100.
        denied: removed
          .slice(0, LOGGED_REMOVALS)
          .map((removal) => ({ path: removal.path.join('.'), coordinate: removal.coordinate })),
        deniedCount: removed.length,
      },
      mode === 'dry_run' ? 'authorization dry run: these fields would be removed' : 'unauthorized fields removed',
    );
    this.options.onDenied?.({
      requestId: context.requestId,
      userId: context.caller.userId,
      operationName,
      operationType,
      operationHash,
      client: context.client,
      mode,
      removed,
    });
  }
}
