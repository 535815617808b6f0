/**
 * The gateway's own executor of @apollo/query-planner's plans, in place of @apollo/gateway's
 * `executeQueryPlan` for queries and mutations (`QUERY_PLAN_EXECUTOR=platform`).
 *
 * The plan still comes from Apollo's `QueryPlanner`: built once per operation document and
 * name, cached until the supergraph changes (a new planner), and compiled with it: the
 * response shape (`shaping.ts`), each entity fetch's representations and the batched
 * operations (`fetching.ts`). What differs from `executeQueryPlan` is how it runs:
 * - subgraph answers are merged into the result tree in place, and the response is shaped
 *   from it in one walk of the compiled shape;
 * - an entity fetch sends each distinct representation once and writes the answer into
 *   every entity that had it;
 * - entity fetches to one subgraph that are ready in the same tick (the branches of a
 *   Parallel node, or of Sequences that resumed on the same answer) go as ONE request, each
 *   under its own alias of `_entities`; an error under an alias is its fetch's only, an error
 *   without a path is every fetch's (Apollo's requests would each have had it).
 * Fetches go through the gateway's data sources (caller proof, request id, trace headers,
 * pooled client, outbound deduplication). Errors read as @apollo/gateway's. A plan with
 * Defer, data rewrites, or an operation with introspection falls back, once per cached plan,
 * to Apollo's executor; so does a request whose traces are captured for Apollo Studio.
 */
import type { ApolloGateway, GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { operationFromDocument, type Operation } from '@apollo/federation-internals';
import { evaluateCondition, type FetchNode, type PlanNode, type ResponsePath } from '@apollo/query-planner';
import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayGraphQLResponse,
} from '@apollo/server-gateway-interface';
import { context as otelContext, type Context } from '@opentelemetry/api';
import { getVariableValues, GraphQLError, type GraphQLErrorOptions, type GraphQLSchema } from 'graphql';
import { inSpan, serviceTracer } from '@platform/service-kit/telemetry';
import { internalsOf } from '../apollo-gateway-internals.js';
import {
  batchedOperation,
  batchedVariableName,
  compileRepresentation,
  compileRepresentationKey,
  deepMerge,
  downstreamServiceError,
  entitiesAliasOf,
  flattenAtPath,
  hydratedPaths,
  type RepresentationBuilder,
  type ResultMap,
} from './fetching.js';
import { fragmentsOf } from '../authorization/authorize.js';
import { compileResponseShape, UnsupportedOperationError, type ResponseShape } from './shaping.js';

const tracer = serviceTracer('gateway');

/** `GraphQLDataSourceRequestKind.INCOMING_OPERATION` (the enum is not exported by @apollo/gateway). */
const INCOMING_OPERATION = 'incoming operation' as Extract<
  GraphQLDataSourceProcessOptions,
  { incomingRequestContext: unknown }
>['kind'];

export interface QueryPlanExecutorOptions {
  gateway: ApolloGateway;
  /** Apollo's executor, for what this one does not run. */
  fallback: GatewayExecutor;
  /** Entity fetches to one subgraph that are ready together go as one request (default true). */
  batchEntityFetches?: boolean;
  /** Most cached plans; the cache starts over beyond it. */
  maxCachedPlans?: number;
}

interface CompiledFetch {
  node: FetchNode;
  /** Its position among the plan's fetches: batches are named by these. */
  index: number;
  representation: RepresentationBuilder | null;
  /** A key of the entity's representation read without building it (`compileRepresentationKey`). */
  key: ((entity: ResultMap) => string) | null;
}

interface CompiledPlan {
  node: PlanNode | undefined;
  /** For Condition nodes: the operation's variable definitions as the planner reads them. */
  operation: Operation;
  shape: ResponseShape;
  fetches: Map<FetchNode, CompiledFetch>;
  /** Batched operations by the indexes of their fetches, built when first needed. */
  batches: Map<string, { query: string; operationName: string } | null>;
  hasVariables: boolean;
}

type CacheEntry = CompiledPlan | 'fallback';

export function createQueryPlanExecutor(options: QueryPlanExecutorOptions): GatewayExecutor {
  const { gateway, fallback } = options;
  const batch = options.batchEntityFetches ?? true;
  const maxCachedPlans = options.maxCachedPlans ?? 1000;
  let cache = new Map<string, CacheEntry>();
  let cachedFor: unknown = null;

  const planFor = (requestContext: GatewayGraphQLRequestContext): CacheEntry | null => {
    const internals = internalsOf(gateway);
    const { schema, apiSchema, supergraphSchema, queryPlanner } = internals;
    if (!schema || !apiSchema || !supergraphSchema || !queryPlanner) return 'fallback';
    // A new supergraph brings a new planner: plans of the old one are dropped.
    if (cachedFor !== queryPlanner) {
      cache = new Map();
      cachedFor = queryPlanner;
    }
    const operationName = requestContext.request.operationName ?? null;
    const key = operationName ? `${requestContext.queryHash}\u0000${operationName}` : requestContext.queryHash;
    const cached = cache.get(key);
    if (cached) return cached;
    let entry: CacheEntry;
    try {
      entry = tracer.startActiveSpan('gateway.plan', (span) => {
        try {
          const operation = operationFromDocument(apiSchema, requestContext.document, {
            ...(operationName ? { operationName } : {}),
          });
          const plan = queryPlanner.buildQueryPlan(operation);
          if (plan.node?.kind === 'Subscription') return 'fallback';
          return compilePlan(plan.node, operation, requestContext, schema, supergraphSchema);
        } finally {
          span.end();
        }
      });
    } catch {
      // Apollo's executor reports the error its own way; nothing is cached.
      return null;
    }
    if (cache.size >= maxCachedPlans) cache = new Map();
    cache.set(key, entry);
    return entry;
  };

  return async (requestContext) => {
    // Studio traces (ftv1) are Apollo's executor's business.
    if (requestContext.metrics?.captureTraces) return fallback(requestContext);
    const plan = planFor(requestContext);
    if (plan === null || plan === 'fallback') return fallback(requestContext);
    const internals = internalsOf(gateway);
    const variableDefinitions = requestContext.operation.variableDefinitions;
    if (plan.hasVariables && variableDefinitions) {
      const { errors } = getVariableValues(
        internals.schema!,
        variableDefinitions,
        requestContext.request.variables ?? {},
      );
      if (errors) return { errors };
    }
    const run = new PlanRun(plan, requestContext, internals.serviceMap, batch);
    return run.execute();
  };
}

class UnsupportedPlanError extends Error {}

function compilePlan(
  node: PlanNode | undefined,
  operation: Operation,
  requestContext: GatewayGraphQLRequestContext,
  apiSchema: GraphQLSchema,
  supergraphSchema: GraphQLSchema,
): CacheEntry {
  const fetches = new Map<FetchNode, CompiledFetch>();
  const visitNode = (current: PlanNode): void => {
    switch (current.kind) {
      case 'Sequence':
      case 'Parallel':
        current.nodes.forEach(visitNode);
        return;
      case 'Flatten':
        visitNode(current.node);
        return;
      case 'Condition':
        if (current.ifClause) visitNode(current.ifClause);
        if (current.elseClause) visitNode(current.elseClause);
        return;
      case 'Fetch':
        if (current.inputRewrites?.length || current.outputRewrites?.length || current.contextRewrites?.length) {
          throw new UnsupportedPlanError('data rewrites');
        }
        if (current.hasDefers) throw new UnsupportedPlanError('defer');
        fetches.set(current, {
          node: current,
          index: fetches.size,
          representation: current.requires ? compileRepresentation(supergraphSchema, current.requires) : null,
          key: current.requires ? compileRepresentationKey(supergraphSchema, current.requires) : null,
        });
        return;
      default:
        throw new UnsupportedPlanError(current.kind);
    }
  };
  try {
    if (node) visitNode(node);
    const shape = compileResponseShape(apiSchema, requestContext.operation, fragmentsOf(requestContext.document));
    return {
      node,
      operation,
      shape,
      fetches,
      batches: new Map(),
      hasVariables: (requestContext.operation.variableDefinitions?.length ?? 0) > 0,
    };
  } catch (error) {
    if (error instanceof UnsupportedPlanError || error instanceof UnsupportedOperationError) return 'fallback';
    throw error;
  }
}

interface Cursor {
  path: ResponsePath;
  data: ResultMap | ResultMap[];
}

/** One entity fetch waiting for the end of the tick, to go alone or in a batch. */
interface PendingFetch {
  fetch: CompiledFetch;
  variables: Record<string, unknown>;
  representations: ResultMap[];
  parent: Context;
  resolve: (response: GatewayGraphQLResponse) => void;
  reject: (error: unknown) => void;
}

/** One execution of a compiled plan for one request. */
class PlanRun {
  private readonly root: ResultMap = {};
  private readonly errors: GraphQLError[] = [];
  private readonly variables: Record<string, unknown>;
  private pending: Map<string, PendingFetch[]> | null = null;

  constructor(
    private readonly plan: CompiledPlan,
    private readonly requestContext: GatewayGraphQLRequestContext,
    private readonly services: Record<string, { dataSource: GraphQLDataSource }>,
    private readonly batch: boolean,
  ) {
    this.variables = requestContext.request.variables ?? {};
  }

  async execute(): Promise<GatewayExecutionResult> {
    if (this.plan.node) await this.executeNode(this.plan.node, { path: [], data: this.root });
    let shaped;
    try {
      shaped = this.plan.shape.shape(this.root, this.requestContext.request.variables);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      return {
        errors: [new GraphQLError((error as Error).message, { originalError: error as Error })],
      };
    }
    // As @apollo/gateway: value-completion errors are only reported when the fetches had
    // none (they are usually their echo), and then as an extension.
    if (this.errors.length === 0 && shaped.errors.length > 0) {
      return { extensions: { valueCompletion: shaped.errors }, data: shaped.data };
    }
    return this.errors.length === 0 ? { data: shaped.data } : { errors: this.errors, data: shaped.data };
  }

  private async executeNode(node: PlanNode, cursor: Cursor): Promise<void> {
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await this.executeNode(child, cursor);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => this.executeNode(child, cursor)));
        return;
      case 'Flatten': {
        const data = flattenAtPath(cursor.data, node.path);
        if (!data) return;
        await this.executeNode(node.node, { path: cursor.path.concat(node.path), data: data as Cursor['data'] });
        return;
      }
      case 'Fetch':
        try {
          await this.executeFetch(this.plan.fetches.get(node)!, cursor);
        } catch (error) {
          this.errors.push(error as GraphQLError);
        }
        return;
      case 'Condition': {
        const branch = evaluateCondition(node, this.plan.operation.variableDefinitions, this.variables)
          ? node.ifClause
          : node.elseClause;
        if (branch) await this.executeNode(branch, cursor);
        return;
      }
      default:
        throw new Error(`unexpected ${node.kind} node`);
    }
  }

  private async executeFetch(fetch: CompiledFetch, cursor: Cursor): Promise<void> {
    const entities: ResultMap[] = [];
    if (Array.isArray(cursor.data)) {
      for (const entity of cursor.data) if (entity !== null && entity !== undefined) entities.push(entity);
    } else {
      entities.push(cursor.data);
    }
    if (entities.length === 0) return;
    const variables: Record<string, unknown> = {};
    for (const name of fetch.node.variableUsages ?? []) {
      if (Object.prototype.hasOwnProperty.call(this.variables, name) && this.variables[name] !== undefined) {
        variables[name] = this.variables[name];
      }
    }

    if (!fetch.representation) {
      const response = await this.send(fetch, fetch.node.operation, fetch.node.operationName, variables, cursor);
      const data = this.received(fetch, response, cursor, null);
      if (data) for (const entity of entities) deepMerge(entity, data);
      return;
    }

    // Each distinct representation is sent once; `owner[i]` is the representation of entities[i].
    const representations: ResultMap[] = [];
    const byKey = new Map<string, number>();
    const owner = new Array<number>(entities.length);
    for (let index = 0; index < entities.length; index++) {
      const entity = entities[index]!;
      let position: number | undefined;
      // [perf] the key read from the entity when `requires` allows: the representation is
      // built once per distinct key, not once per entity.
      const quickKey = fetch.key ? fetch.key(entity) : null;
      if (quickKey !== null) position = byKey.get(quickKey);
      if (position === undefined) {
        const representation = fetch.representation(entity);
        position = -1;
        if (representation && representation.__typename) {
          const key = JSON.stringify(representation);
          position = byKey.get(key) ?? -1;
          if (position < 0) {
            position = representations.length;
            representations.push(representation);
            byKey.set(key, position);
          }
        }
        if (quickKey !== null) byKey.set(quickKey, position);
      }
      owner[index] = position;
    }
    if (representations.length === 0) return;
    if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);

    const response = await this.entities(fetch, variables, representations, cursor);
    const data = this.received(fetch, response, cursor, owner);
    if (!data) return;
    const received = data._entities;
    if (!Array.isArray(received)) throw new Error(`Expected "data._entities" in response to be an array`);
    if (received.length !== representations.length) {
      throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
    }
    for (let index = 0; index < entities.length; index++) {
      const position = owner[index]!;
      if (position < 0) continue;
      const answer = received[position] as ResultMap | null;
      const entity = entities[index]!;
      if (answer && !answer.__typename) answer.__typename = entity.__typename;
      deepMerge(entity, answer);
    }
  }

  /** The fetch's data after its errors are recorded, with paths into the client's response. */
  private received(
    fetch: CompiledFetch,
    response: GatewayGraphQLResponse,
    cursor: Cursor,
    owner: number[] | null,
  ): ResultMap | null | undefined {
    if (response.errors) {
      const { serviceName } = fetch.node;
      let paths: ResponsePath[] | undefined;
      // Entity errors by the entity's position, as @apollo/gateway lists them (it sends one
      // representation per entity, so one error per entity that shared a representation).
      const mapped: { at: number; error: GraphQLError }[] = [];
      for (const error of response.errors) {
        const errorPath = error.path;
        if (fetch.node.requires && typeof errorPath?.[1] === 'number') {
          paths ??= hydratedPaths(cursor.path, this.root);
          const position = errorPath[1];
          const rest = errorPath.slice(2);
          const owners = owner ? ownersOf(owner, position) : [position];
          for (const entity of owners) {
            mapped.push({
              at: entity,
              error: downstreamServiceError(error, serviceName, [...(paths[entity] ?? []), ...rest]),
            });
          }
        } else {
          const path: GraphQLErrorOptions['path'] = errorPath ? [...cursor.path, ...errorPath] : undefined;
          mapped.push({ at: -1, error: downstreamServiceError(error, serviceName, path) });
        }
      }
      if (owner) mapped.sort((a, b) => a.at - b.at);
      for (const { error } of mapped) this.errors.push(error);
      if (!response.extensions?.ftv1) {
        const errorPaths = response.errors.map((error) => ({ subgraph: serviceName, path: error.path }));
        const { metrics } = this.requestContext;
        if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...errorPaths);
        else metrics.nonFtv1ErrorPaths = errorPaths;
      }
    }
    return response.data as ResultMap | null | undefined;
  }

  /** An entity fetch: alone, or with the other entity fetches to its subgraph ready in this tick. */
  private entities(
    fetch: CompiledFetch,
    variables: Record<string, unknown>,
    representations: ResultMap[],
    cursor: Cursor,
  ): Promise<GatewayGraphQLResponse> {
    if (!this.batch) {
      return this.send(
        fetch,
        fetch.node.operation,
        fetch.node.operationName,
        { ...variables, representations },
        cursor,
      );
    }
    return new Promise((resolve, reject) => {
      const queued: PendingFetch = {
        fetch,
        variables,
        representations,
        parent: otelContext.active(),
        resolve,
        reject,
      };
      if (!this.pending) {
        this.pending = new Map();
        // After the microtasks of this tick: every branch that can go now has queued its fetch.
        setImmediate(() => this.flush());
      }
      const service = fetch.node.serviceName;
      const list = this.pending.get(service);
      if (list) list.push(queued);
      else this.pending.set(service, [queued]);
    });
  }

  private flush(): void {
    const pending = this.pending!;
    this.pending = null;
    for (const queued of pending.values()) {
      // Outside any caller's promise chain: whatever fails here fails the queued fetches.
      try {
        this.sendQueued(queued);
      } catch (error) {
        for (const one of queued) one.reject(error);
      }
    }
  }

  private sendQueued(queued: PendingFetch[]): void {
    const batch = queued.length > 1 ? this.batchedOperationOf(queued) : null;
    if (!batch) {
      for (const one of queued) {
        otelContext.with(one.parent, () => {
          const { node } = one.fetch;
          this.send(
            one.fetch,
            node.operation,
            node.operationName,
            { ...one.variables, representations: one.representations },
            null,
          ).then(one.resolve, one.reject);
        });
      }
      return;
    }
    const variables: Record<string, unknown> = {};
    for (const [index, one] of queued.entries()) {
      Object.assign(variables, one.variables);
      variables[batchedVariableName(index)] = one.representations;
    }
    otelContext.with(queued[0]!.parent, () => {
      this.send(queued[0]!.fetch, batch.query, batch.operationName, variables, null).then(
        (response) => {
          for (const [index, one] of queued.entries()) {
            try {
              one.resolve(unbatched(response, index));
            } catch (error) {
              one.reject(error);
            }
          }
        },
        (error: unknown) => {
          for (const one of queued) one.reject(error);
        },
      );
    });
  }

  private batchedOperationOf(queued: PendingFetch[]): { query: string; operationName: string } | null {
    const key = queued.map((one) => one.fetch.index).join(',');
    let batch = this.plan.batches.get(key);
    if (batch === undefined) {
      batch = batchedOperation(queued.map((one) => one.fetch.node));
      this.plan.batches.set(key, batch);
    }
    return batch;
  }

  private send(
    fetch: CompiledFetch,
    query: string,
    operationName: string | undefined,
    variables: Record<string, unknown>,
    cursor: Cursor | null,
  ): Promise<GatewayGraphQLResponse> {
    const { serviceName } = fetch.node;
    return inSpan(tracer, 'gateway.fetch', { attributes: { service: serviceName } }, async () => {
      const service = this.services[serviceName]?.dataSource;
      if (!service) throw new Error(`Couldn't find service with name "${serviceName}"`);
      return service.process({
        kind: INCOMING_OPERATION,
        request: { query, variables, ...(operationName ? { operationName } : {}) },
        incomingRequestContext: this.requestContext,
        context: this.requestContext.context,
        ...(cursor ? { pathInIncomingRequest: cursor.path } : {}),
      });
    });
  }
}

/** The positions of the entities whose representation is the `position`-th one sent. */
function ownersOf(owner: readonly number[], position: number): number[] {
  const owners: number[] = [];
  for (let index = 0; index < owner.length; index++) if (owner[index] === position) owners.push(index);
  return owners;
}

/**
 * The i-th fetch's part of a batched answer: its `_entities`, the errors under its alias, and
 * the errors under no alias (without a path: about the whole request). Those go to every
 * fetch of the batch, as @apollo/gateway, which sends each fetch alone, gets them from each.
 */
function unbatched(response: GatewayGraphQLResponse, index: number): GatewayGraphQLResponse {
  const alias = entitiesAliasOf(index);
  const data = response.data as ResultMap | null | undefined;
  const errors = response.errors?.flatMap((error) => {
    const head = error.path?.[0];
    if (head === alias) return [{ ...error, path: ['_entities', ...error.path!.slice(1)] }];
    return typeof head === 'string' && /^_[0-9]+$/.test(head) ? [] : [error];
  });
  return {
    ...response,
    data: data ? { _entities: data[alias] } : data,
    ...(errors && errors.length > 0 ? { errors } : { errors: undefined }),
  };
}
