/**
 * Every change to roles, grants or assignments goes through here: one transaction that
 * first locks `authz_state` (changes run one at a time, so invariants such as "there is
 * always an admin" hold under concurrency), bumps the version in the same transaction when
 * anything changed, and after the commit, before answering, publishes the new version so
 * the gateway sees the change on the client's very next request.
 */
import type { Logger } from '@platform/service-kit';
import type { VersionPublisher } from '../invalidation.js';
import type { InTransaction, Stores } from '../stores/index.js';

/** Who asks for a change, for the log line each change leaves. */
export interface Actor {
  logger: Logger;
  requestId?: string;
  /** `user:<id>` or `service:<name>`. */
  by: string;
}

export interface ChangeOutcome<T> {
  result: T;
  /** Whether anything was written; an idempotent repeat changes nothing and bumps nothing. */
  changed: boolean;
}

export type RunChange = <T>(
  actor: Actor,
  work: (stores: Stores) => Promise<ChangeOutcome<T>>,
) => Promise<{ result: T; version: number | null }>;

export function createChangeRunner(dependencies: {
  inTransaction: InTransaction;
  publisher: VersionPublisher;
}): RunChange {
  return async (actor, work) => {
    const { result, version } = await dependencies.inTransaction(async (stores) => {
      await stores.state.lock();
      const outcome = await work(stores);
      return { result: outcome.result, version: outcome.changed ? await stores.state.bump() : null };
    });
    if (version !== null) await dependencies.publisher.changed(version, actor);
    return { result, version };
  };
}
