/**
 * Shared subscriptions: identical client subscriptions of one caller share ONE upstream
 * subscription and ONE completion of each event.
 *
 * Identical means the same key ({@link groupKeyOf}): the operation as authorized (the
 * document after removals, its name and the removed selections), the same variables, and the
 * same caller as the subgraphs see it (user id and effective permissions, or anonymous). The
 * caller is part of the key because the subgraphs resolve with the caller the gateway proves:
 * `notificationAdded` streams the caller's own notifications, and an entity field may be
 * visible to its owner only. Connections of one user (tabs, devices, the benchmark's
 * thousand clients) and every anonymous viewer of a public feed share; different users with
 * the same permissions do not, since nothing tells the gateway that a subgraph's answer does
 * not depend on who asks.
 *
 * For each upstream event the group completes the rest of the plan once, with its own context
 * (the caller's permissions re-read for that event), applies the subscribe-time removals once,
 * masks its errors and serializes it once, and hands the same JSON to every member. Each
 * member still checks its own caller before every event (token expiry, session revocation,
 * current permissions against the operation, see `federated-subscription.ts`); what those
 * checks read is memoized per event by its inputs ({@link EventChecks}), so a thousand clients
 * of one session cost one lookup each. Members of a group share the authorization outcome, so
 * they share the serialization too; each writes its own subscription id before it.
 *
 * Each event's completion runs in a consumer span, `gateway.subscription.event`, continuing the
 * trace the subgraph sent with the event (`extensions.traceparent`: the change or Kafka event
 * behind it), so its entity fetches (`gateway.execute`, `gateway.fetch`) sit in that trace.
 */
import type { ApolloGateway } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { GatewayProofSigner, Logger } from '@platform/service-kit';
import { contextFromCarrier, inSpan, serviceTracer, SpanKind } from '@platform/service-kit/telemetry';
import {
  getOperationAST,
  GraphQLError,
  print,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { FormattedExecutionResult } from 'graphql-ws';
import { applyRemovals } from '../authorization/index.js';
import type { AuthorizationDecision } from '../authorization-enforcement.js';
import type { GatewayContext } from '../context.js';
import type { PermissionResolver } from '../permissions/effective-permissions.js';
import { executeEvent, type SubscriptionPlan } from './federated-execution.js';
import { openUpstream, type Upstream } from './upstream.js';

/**
 * What a group hands its members, in upstream order. An event comes completed, its errors
 * masked and serialized once (`payload`, the `next` message's payload as JSON), or with
 * `payload` undefined when its completion failed (logged once by the group).
 */
export type GroupItem =
  | { kind: 'event'; payload: string | undefined; checks: EventChecks }
  | { kind: 'error'; error: GraphQLError }
  | { kind: 'complete' };

/** A member of a group: a client subscription (`FederatedSubscription`). */
export interface GroupMember {
  /** Its per-event check of its caller, through `checks`: an error ends it (see `FederatedSubscription.check`). */
  check(checks: EventChecks): GraphQLError | undefined | Promise<GraphQLError | undefined>;
  deliver(item: GroupItem): void;
}

/**
 * The lookups the members' per-event checks make, memoized for one event by their inputs
 * (permissions of a user, revocation of a session, the authorization of one permission set).
 * Once a lookup has settled, the members after the first get its value synchronously: a
 * thousand members of one session cost one lookup and no extra promise each.
 */
export class EventChecks {
  private readonly settled = new Map<string, unknown>();
  private readonly pending = new Map<string, Promise<unknown>>();

  /** The value for `key`: at once when it has settled, else the promise of the lookup under way (or started now). */
  once<T>(key: string, compute: () => Promise<T>): T | Promise<T> {
    if (this.settled.has(key)) return this.settled.get(key) as T;
    let pending = this.pending.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = compute().then((value) => {
        this.settled.set(key, value);
        return value;
      });
      this.pending.set(key, pending);
    }
    return pending;
  }
}

/** Everything about a subscription that the group shares; taken from its first member. */
export interface GroupSource {
  gateway: ApolloGateway;
  plan: SubscriptionPlan;
  subgraph: string;
  url: string;
  schema: GraphQLSchema;
  operationName: string | null;
  variables: Readonly<Record<string, unknown>>;
  decision: AuthorizationDecision;
  /** The first member's context: its caller (shared by every member), client and request id. */
  context: GatewayContext;
}

const tracer = serviceTracer('gateway');

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` name the same variables. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** When two client subscriptions may share one upstream subscription and one completion per event. */
function groupKeyOf(
  source: Omit<GroupSource, 'gateway' | 'plan' | 'schema' | 'context'> & {
    context: Pick<GatewayContext, 'caller'>;
  },
): string {
  const { caller } = source.context;
  return stableJson({
    subgraph: source.subgraph,
    url: source.url,
    document: print(source.decision.document),
    operationName: source.operationName,
    removed: source.decision.removed.map((removal) => `${removal.path.join('.')}|${removal.coordinate}`),
    variables: source.variables,
    userId: caller.userId,
    permissions: [...caller.permissions].sort(),
  });
}

export interface SubscriptionGroupsOptions {
  proofs: GatewayProofSigner;
  permissions: PermissionResolver;
  /** How an error leaves the platform (the kit's `createErrorFormatter`, as graphql-ws masks errors). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  logger: Logger;
}

/** The live groups of one gateway, by key. */
export class SubscriptionGroups {
  private readonly groups = new Map<string, SubscriptionGroup>();
  private nextId = 0;

  constructor(private readonly options: SubscriptionGroupsOptions) {}

  /** How many upstream subscriptions are open (one per group). */
  get upstreams(): number {
    return this.groups.size;
  }

  /** Adds `member` to the group of `source` (opening it and its upstream when there is none); returns the leave. */
  join(source: GroupSource, member: GroupMember): () => void {
    const key = groupKeyOf(source);
    let group = this.groups.get(key);
    if (!group) {
      this.nextId += 1;
      const id = this.nextId;
      group = new SubscriptionGroup(source, this.options, this.options.logger.child({ subscriptionGroup: id }), () => {
        if (this.groups.get(key) === group) this.groups.delete(key);
      });
      this.groups.set(key, group);
      group.open();
    }
    const joined = group;
    joined.add(member);
    return () => joined.remove(member);
  }
}

class SubscriptionGroup {
  private readonly members = new Set<GroupMember>();
  private upstream: Upstream | undefined;
  private closed = false;
  private context: GatewayContext;
  /** Events are completed concurrently and handed over in upstream order: the last hand-over. */
  private delivered: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: GroupSource,
    private readonly options: SubscriptionGroupsOptions,
    private readonly logger: Logger,
    private readonly onClosed: () => void,
  ) {
    this.context = { ...source.context, logger };
  }

  open(): void {
    const { plan, subgraph, url, variables: requestVariables } = this.source;
    const variables: Record<string, unknown> = {};
    for (const name of plan.primary.variableUsages ?? []) {
      if (Object.hasOwn(requestVariables, name)) variables[name] = requestVariables[name];
    }
    this.upstream = openUpstream({
      url,
      subgraph,
      connectionParams: async () => ({
        gatewayProof: await this.options.proofs.sign(subgraph, this.context.caller),
        requestId: this.context.requestId,
        client: this.context.client,
      }),
      query: plan.primary.operation,
      operationName: plan.primary.operationName,
      variables,
      onItem: (item) => {
        if (this.closed) return;
        if (item.kind === 'event') {
          const checks = new EventChecks();
          const completed = this.traced(item.result, () => this.complete(item.result, checks))
            .then((result) => this.serialize(result))
            .catch((error: unknown) => {
              // Logged once here; every member ends with a generic error.
              this.logger.error({ err: error }, 'a subscription event could not be completed');
              return undefined;
            });
          this.delivered = this.delivered
            .then(() => completed)
            .then(async (payload) => {
              await this.prepareChecks(checks);
              this.broadcast({ kind: 'event', payload, checks });
            })
            .catch(this.keepGoing);
          return;
        }
        this.delivered = this.delivered
          .then(() => {
            this.broadcast(item);
            this.close();
          })
          .catch(this.keepGoing);
      },
      onFailure: (details) => this.logger.warn(details, 'the subgraph subscription failed'),
    });
  }

  add(member: GroupMember): void {
    this.members.add(member);
  }

  remove(member: GroupMember): void {
    this.members.delete(member);
    if (this.members.size === 0) this.close();
  }

  /**
   * Runs the members' checks for an event before it is handed over: members that share what
   * the check reads share one lookup, and each finds the answer settled when it reads it.
   */
  /** A failure while handing an item over is logged; the next items still go out. */
  private readonly keepGoing = (error: unknown): void => {
    this.logger.error({ err: error }, 'a subscription event could not be handed to its clients');
  };

  private async prepareChecks(checks: EventChecks): Promise<void> {
    const pending = new Set<Promise<unknown>>();
    for (const member of this.members) {
      try {
        const checked = member.check(checks);
        if (checked instanceof Promise) pending.add(checked);
      } catch {
        // The member meets the same failure when it checks, and ends.
      }
    }
    // A failed check is the member's to report, when it reads it.
    await Promise.allSettled(pending);
  }

  private broadcast(item: GroupItem): void {
    if (this.closed) return;
    for (const member of this.members) member.deliver(item);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed();
    void this.upstream?.close();
  }

  /** The `next` message's payload as JSON, errors masked as they leave the platform. */
  private serialize(result: ExecutionResult): string {
    if (!result.errors || result.errors.length === 0) return JSON.stringify(result);
    const errors = result.errors.map((error) =>
      this.options.formatError(error instanceof GraphQLError ? error.toJSON() : error, error),
    );
    return JSON.stringify({ ...result, errors });
  }

  /** Runs `work` in the event's span, continuing the trace the subgraph sent with it (a new one when none). */
  private traced<T>(event: FormattedExecutionResult, work: () => Promise<T>): Promise<T> {
    const { subgraph, operationName } = this.source;
    return inSpan(
      tracer,
      'gateway.subscription.event',
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromCarrier(event.extensions ?? {}),
        attributes: { service: subgraph, ...(operationName ? { 'graphql.operation.name': operationName } : {}) },
      },
      work,
    );
  }

  /** The rest of the plan for one event, once for every member, with the caller's current permissions. */
  private async complete(event: FormattedExecutionResult, checks: EventChecks): Promise<ExecutionResult> {
    const { gateway, plan, schema, operationName, variables, decision } = this.source;
    const { caller } = this.context;
    if (caller.userId !== null) {
      const userId = caller.userId;
      const current = await checks.once(`permissions:${userId}`, () =>
        this.options.permissions.permissionsOf(userId, this.context.requestId),
      );
      if (current !== caller.permissions)
        this.context = { ...this.context, caller: { ...caller, permissions: current } };
    }
    const requestContext = {
      request: { variables, ...(operationName ? { operationName } : {}) },
      context: this.context,
      logger: this.logger,
      metrics: {},
      schema,
      document: decision.document,
      operationName,
      operation: getOperationAST(decision.document, operationName),
      cache: undefined,
      overallCachePolicy: undefined,
    } as unknown as GatewayGraphQLRequestContext;
    const result = (await executeEvent(gateway, plan, event, requestContext)) as ExecutionResult;
    return decision.outcome
      ? applyRemovals(
          result as { data?: Record<string, unknown> | null; errors?: readonly GraphQLError[] },
          decision.outcome,
          schema,
        )
      : result;
  }
}
