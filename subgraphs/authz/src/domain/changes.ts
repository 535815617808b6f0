/**
 * Every change to roles, grants or assignments goes through here: one transaction that
 * first locks `authz_state` (changes run one at a time, so invariants such as "there is
 * always an admin" hold under concurrency), bumps the version in the same transaction when
 * anything changed, and after the commit publishes the new version so the gateway sees the
 * change on the client's very next request. The change's events are written to the outbox
 * in that same transaction, carrying the new version (ADR 0002).
 *
 * A change made for a consumed event runs inside the consumer's transaction (`within`), so
 * the change and the record that the event was processed commit together; its version is
 * published once that transaction commits.
 */
import { afterCommit, type Database, type Logger } from '@platform/service-kit';
import type { AnyCloudEvent, RequestContext } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import type { VersionPublisher } from '../invalidation.js';
import { createStores, type Stores } from '../stores/index.js';

/** Who asks for a change, for the log line each change leaves. */
export interface Actor {
  logger: Logger;
  requestId?: string;
  /** `user:<id>` or `service:<name>`. */
  by: string;
  /** The user who asked, for the events' `actorId`; null (the default) for a service or the platform. */
  userId?: string | null;
  /** The request, for the events' `context`; none by default. */
  context?: RequestContext;
  /**
   * The permissions of the user who asks (a GraphQL caller, from the gateway's proof): they may
   * hand out only these (see `rbac.ts`). Absent for the platform itself (seeding, consumed events).
   */
  holds?: ReadonlySet<string>;
}

export interface ChangeOutcome<T> {
  result: T;
  /** Whether anything was written; an idempotent repeat changes nothing and bumps nothing. */
  changed: boolean;
  /** The events recording the change, given the version it bumped to; only asked for when `changed`. */
  events?: (permissionsVersion: number) => AnyCloudEvent[];
}

export interface ChangeOptions {
  /** A transaction someone else commits (an event consumer's); by default the change has its own. */
  within?: Knex.Transaction | undefined;
}

export type RunChange = <T>(
  actor: Actor,
  work: (stores: Stores) => Promise<ChangeOutcome<T>>,
  options?: ChangeOptions,
) => Promise<{ result: T; version: number | null }>;

export function createChangeRunner(dependencies: { db: Database; publisher: VersionPublisher }): RunChange {
  const { db, publisher } = dependencies;
  return async (actor, work, options = {}) => {
    const change = async (trx: Knex.Transaction) => {
      const stores = createStores(trx);
      await stores.state.lock();
      const outcome = await work(stores);
      if (!outcome.changed) return { result: outcome.result, version: null };
      const bumped = await stores.state.bump();
      if (outcome.events) await stores.outbox.enqueue(...outcome.events(bumped));
      return { result: outcome.result, version: bumped };
    };

    const { within } = options;
    if (within) {
      const done = await change(within);
      const { version } = done;
      // Published once the owner commits (a rollback has nothing to publish).
      if (version !== null) afterCommit(within, () => publisher.changed(version, actor));
      return done;
    }
    const done = await db.transaction(change);
    if (done.version !== null) await publisher.changed(done.version, actor);
    return done;
  };
}
