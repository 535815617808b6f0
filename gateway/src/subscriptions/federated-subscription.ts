/**
 * One client subscription through the gateway: a member of the group that shares its upstream
 * subgraph subscription and each event's completion and serialization (`subscription-groups.ts`),
 * its own check of its caller before every event, and the reasons it ends.
 *
 * Events do not go through graphql-ws's iteration: each is checked and, when allowed, written
 * to the client's socket as the protocol's `next` message, the event's JSON (serialized once for
 * the group) after this subscription's id. Writes the socket cannot take at once are coalesced
 * by Node's stream; a client whose unsent data exceeds {@link MAX_BUFFERED_BYTES} is ended.
 *
 * It is still the async iterator graphql-ws iterates: `next()` settles only when the
 * subscription ends (an error message, or complete), after every event written before. It is
 * not an async generator on purpose: a client's `complete` (or a closed socket) calls
 * `return()`, which must leave the group (and the group close its upstream connection when it
 * was the last member) at once.
 */
import type { ApolloGateway } from '@apollo/gateway';
import type { Logger } from '@platform/service-kit';
import type { WebSocket } from 'ws';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { TokenIdentity } from '../access-tokens.js';
import { UNAUTHORIZED_CODE, type RemovedSelection } from '../authorization/index.js';
import type {
  AuthorizationDecision,
  AuthorizationEnforcer,
  AuthorizationRequest,
} from '../authorization-enforcement.js';
import type { GatewayContext } from '../context.js';
import type { PermissionResolver } from '../permissions/effective-permissions.js';
import type { RevokedSessions } from '../sessions/revoked-sessions.js';
import type { SubscriptionPlan } from './federated-execution.js';
import type { EventChecks, GroupItem, GroupMember, SubscriptionGroups } from './subscription-groups.js';

export interface FederatedSubscriptionOptions {
  gateway: ApolloGateway;
  plan: SubscriptionPlan;
  /** The subgraph owning the root field, and its GraphQL URL. */
  subgraph: string;
  url: string;
  /** Null for an anonymous caller: nothing expires or ends, and the permissions stay none. */
  identity: TokenIdentity | null;
  /**
   * What was authorized at subscribe time: the API schema, the client's own operation and
   * variables, the caller's context. Every event authorizes it again with the caller's
   * current permissions.
   */
  request: AuthorizationRequest & { variables: Readonly<Record<string, unknown>> };
  /** The authorization decided at subscribe time (what was planned). */
  decision: AuthorizationDecision;
  enforcer: AuthorizationEnforcer;
  permissions: PermissionResolver;
  /** Sessions that have ended: a live subscription of one ends at its next event. */
  revokedSessions: RevokedSessions;
  /** Where identical subscriptions share one upstream subscription and one completion per event. */
  groups: SubscriptionGroups;
  /** The client's socket and this subscription's id on it: where its `next` messages are written. */
  socket: WebSocket;
  id: string;
  logger: Logger;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
/** setTimeout's ceiling; a later expiry is caught by the per-event check. */
const MAX_TIMER_MS = 2_147_483_647;
/**
 * Bytes written to a client's socket and not yet sent, at most: a client that reads slower
 * than the feed is ended (it resubscribes and reads what it missed from a query) instead of
 * holding memory without bound; the others in its group are not slowed.
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** `WebSocket.OPEN`. */
const OPEN = 1;

function sessionEndedError(): GraphQLError {
  return new GraphQLError(
    'Subscription ended: the session has ended (signed out, password changed or account deleted); sign in again',
    { extensions: { code: 'UNAUTHENTICATED' } },
  );
}

function tokenExpiredError(): GraphQLError {
  return new GraphQLError('Subscription ended: the access token has expired; subscribe again with a new token', {
    extensions: { code: 'UNAUTHENTICATED' },
  });
}

function fellBehindError(): GraphQLError {
  return new GraphQLError(
    `Subscription ended: the client fell more than ${MAX_BUFFERED_BYTES} bytes of events behind; subscribe again and read what was missed with a query`,
    { extensions: { code: 'SUBSCRIPTION_FELL_BEHIND' } },
  );
}

function noLongerAuthorizedError(coordinates: readonly string[]): GraphQLError {
  return new GraphQLError(
    `Subscription ended: the caller is no longer authorized for ${[...new Set(coordinates)].join(', ')}`,
    { extensions: { code: UNAUTHORIZED_CODE } },
  );
}

export class FederatedSubscription implements AsyncIterableIterator<ExecutionResult>, GroupMember {
  private waiter: (() => void) | undefined;
  /** How it ends, once known: with an error message, or completed (`error` undefined). */
  private ending: { error: GraphQLError | undefined; why: string } | undefined;
  private finished = false;
  private leave: (() => void) | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private context: GatewayContext;
  private readonly subscribedRemovals: ReadonlySet<string>;
  /** What this member's per-event check depends on besides its token's expiry (see {@link check}). */
  private readonly checkKey: string;
  /** The start of this subscription's `next` messages; the event's JSON and `}` complete each. */
  private readonly messagePrefix: string;
  /** Items waiting for an earlier one whose check is still under way (kept in order). */
  private chain: Promise<void> | undefined;

  constructor(private readonly options: FederatedSubscriptionOptions) {
    this.context = options.request.context;
    this.subscribedRemovals = new Set(options.decision.removed.map(removalKey));
    const { caller, authTime, client } = this.context;
    this.checkKey = `check:${JSON.stringify([caller.userId, caller.sessionId, authTime, client.ip])}`;
    this.messagePrefix = `{"id":${JSON.stringify(options.id)},"type":"next","payload":`;
  }

  /** Joins (or opens) the group of identical subscriptions; graphql-ws iterates what this returns. */
  start(): AsyncIterableIterator<ExecutionResult> {
    const { gateway, plan, subgraph, url, request, decision } = this.options;
    this.leave = this.options.groups.join(
      {
        gateway,
        plan,
        subgraph,
        url,
        schema: request.schema,
        operationName: request.operationName,
        variables: request.variables,
        decision,
        context: this.context,
      },
      this,
    );
    const untilExpiry = (this.options.identity?.expiresAt ?? Number.POSITIVE_INFINITY) - Date.now();
    if (untilExpiry <= MAX_TIMER_MS) {
      this.expiryTimer = setTimeout(
        () => this.endWith(tokenExpiredError(), 'access token expired'),
        Math.max(0, untilExpiry),
      );
    }
    return this;
  }

  /** The group hands over an item (see {@link GroupItem}); handled in order. */
  deliver(item: GroupItem): void {
    if (this.finished || this.ending) return;
    if (this.chain) {
      this.chain = this.chain.then(() => this.handle(item));
      return;
    }
    const pending = this.handle(item);
    if (pending) {
      const link: Promise<void> = pending.then(() => {
        if (this.chain === link) this.chain = undefined;
      });
      this.chain = link;
    }
  }

  private handle(item: GroupItem): void | Promise<void> {
    if (this.finished || this.ending) return;
    if (item.kind === 'complete') return this.endWith(undefined, 'completed by its subgraph');
    if (item.kind === 'error') return this.endWith(item.error, 'subgraph error');
    if (item.payload === undefined) return this.endWith(internalError(), 'event execution failed');
    const payload = item.payload;
    // Fails closed: when the caller cannot be re-checked (authz unreachable), it ends.
    let checked: Checked;
    try {
      checked = this.check(item.checks);
    } catch (error) {
      return this.checkFailed(error);
    }
    if (checked instanceof Promise) {
      return checked.then(
        (denial) => this.send(payload, denial),
        (error: unknown) => this.checkFailed(error),
      );
    }
    this.send(payload, checked);
  }

  private send(payload: string, denial: GraphQLError | undefined): void {
    if (this.finished || this.ending) return;
    if (denial) return this.endWith(denial, denial.message);
    const { socket } = this.options;
    // A closed socket: graphql-ws is ending the subscription (`return()`).
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return this.endWith(fellBehindError(), 'fell behind');
    socket.send(`${this.messagePrefix}${payload}}`);
  }

  private checkFailed(error: unknown): void {
    if (this.finished) return;
    this.options.logger.error({ err: error }, 'a subscription event could not be re-checked');
    this.endWith(internalError(), 'event check failed');
  }

  /** Ends the subscription (after the events already written): with `error`, or completed. */
  private endWith(error: GraphQLError | undefined, why: string): void {
    if (this.finished || this.ending) return;
    this.ending = { error, why };
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }

  /** Settles when the subscription ends: events are written by {@link send}, not yielded. */
  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      if (this.finished) return DONE;
      if (this.ending) {
        const { error, why } = this.ending;
        if (error) return this.end(error, why);
        await this.finish();
        this.options.logger.info('subscription completed by its subgraph');
        return DONE;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.finished) this.options.logger.info('subscription ended by the client');
    await this.finish();
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.finish();
    throw error;
  }

  private wake() {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Ends with an error: graphql-ws sends it as the subscription's `error` message. */
  private async end(error: GraphQLError, why: string): Promise<never> {
    await this.finish();
    this.options.logger.info({ reason: why }, 'subscription ended');
    throw error;
  }

  private async finish() {
    if (this.finished) return;
    this.finished = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.wake();
    this.leave?.();
  }

  /**
   * Before every event: is the token still valid, and are the caller's permissions still enough?
   * Apart from the token's expiry (this client's own), the answer depends only on the caller's
   * user, session, sign-in time and address (what policies read), so it is made once per event
   * for every member of the group that shares them, through `checks`: at once (no promise)
   * for all but the first, since the group prepares it before handing the event over.
   */
  check(checks: EventChecks): Checked {
    const { identity } = this.options;
    if (identity && identity.expiresAt <= Date.now()) return tokenExpiredError();
    return checks.once(this.checkKey, () => this.checkCaller(checks));
  }

  private async checkCaller(checks: EventChecks): Promise<GraphQLError | undefined> {
    const { identity, revokedSessions, permissions } = this.options;
    if (identity) {
      const { sessionId, userId } = identity;
      if (sessionId !== null && (await revokedSessions.isRevoked(sessionId))) return sessionEndedError();
      // Cached by permissions version: a revocation in authz is seen on the next event.
      const current = await checks.once(`permissions:${userId}`, () =>
        permissions.permissionsOf(userId, this.context.requestId),
      );
      if (current !== this.context.caller.permissions) {
        this.context = { ...this.context, caller: { ...this.context.caller, permissions: current } };
      }
    }
    return this.reauthorize();
  }

  private async reauthorize(): Promise<GraphQLError | undefined> {
    const { enforcer, request } = this.options;
    const decision = await enforcer.authorize({ ...request, context: this.context }, { report: false });
    if (decision.rejected) return noLongerAuthorizedError(decision.removed.map((removal) => removal.coordinate));
    // Filtered further than what was planned: the plan would fetch what is now unauthorized.
    const newlyRemoved = decision.removed.filter((removal) => !this.subscribedRemovals.has(removalKey(removal)));
    if (newlyRemoved.length > 0) return noLongerAuthorizedError(newlyRemoved.map((removal) => removal.coordinate));
    return undefined;
  }
}

/** A check's outcome (the error that ends the subscription, or none): at once when every lookup it needs has settled. */
type Checked = GraphQLError | undefined | Promise<GraphQLError | undefined>;

function removalKey(removal: RemovedSelection): string {
  return `${removal.path.join('.')}|${removal.coordinate}`;
}

function internalError(): GraphQLError {
  return new GraphQLError('A subscription event could not be executed', {
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}
