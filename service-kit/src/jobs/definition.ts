/**
 * Durable background jobs, declared in a subgraph's definition and run by the kit on pg-boss in
 * the subgraph's own database (schema `pgboss`, installed and upgraded by pg-boss at start).
 *
 *   export const blogSubgraph = defineSubgraph({
 *     ...,
 *     jobs: {
 *       'blog.publish-post': {
 *         data: z.object({ postId: z.string().uuid() }),
 *         retryLimit: 5, retryDelay: 10, retryBackoff: true,
 *         policy: 'exclusive', // one queued or running job per singletonKey
 *       },
 *       'blog.prune-drafts': {
 *         data: z.object({}),
 *         schedule: { cron: '30 3 * * *', tz: 'Europe/Paris', missed: 'once' },
 *       },
 *     },
 *     async setup({ db, jobs }) {
 *       // In the business transaction: rolled back together, committed together.
 *       await db.transaction(async (trx) => {
 *         await posts.schedule(trx, post);
 *         await jobs.send('blog.publish-post', { postId: post.id },
 *           { startAfter: post.publishAt, singletonKey: post.id }, trx);
 *       });
 *       return {
 *         context,
 *         jobs: {
 *           // At least once: a retry, an expiry or a crash after the work runs it again.
 *           'blog.publish-post': async ({ data }) => publishIfDue(db, data.postId),
 *           'blog.prune-drafts': async () => pruneDrafts(db),
 *         },
 *       };
 *     },
 *   });
 *
 * Handlers are at least once: every side effect must be idempotent, keyed by the job id or a
 * business key (a post publishes only while it is SCHEDULED, a mail is sent once per job id).
 * A handler that throws is retried (`retryLimit`, `retryDelay` seconds, doubled each time with
 * `retryBackoff`); past the limit the job fails and a copy lands in `<queue>.dead`, where an
 * admin can see it and send it back (`/internal/jobs/*`, see `admin.ts`).
 */
import type { Knex } from 'knex';
import type { z } from 'zod';

/**
 * How pg-boss treats a second job with the same `singletonKey`: `standard` ignores keys;
 * `short` keeps one queued per key; `singleton` runs one at a time per key; `stately` one
 * queued and one running per key; `exclusive` one queued or running per key.
 */
export type JobPolicy = 'standard' | 'short' | 'singleton' | 'stately' | 'exclusive';

/**
 * What happens to the runs of a schedule that came due while no replica was up (pg-boss's
 * `missed`): `skip` sends none of them; `once` sends one job for the latest, however many were
 * missed. There is no "every missed run": a job that must account for a gap reads it from the
 * business data (the last valuation date), not from the number of runs.
 */
export type MissedRunPolicy = 'skip' | 'once';

export interface JobSchedule {
  /** Five-field cron (minute precision), read in `tz`. */
  cron: string;
  /** The IANA time zone the cron is read in (`Europe/Paris`, `UTC`): always explicit. */
  tz: string;
  missed: MissedRunPolicy;
}

export interface JobDeclaration<Data extends z.ZodType = z.ZodType> {
  /** The payload; checked when sent and again when a worker receives it. */
  data: Data;
  /** Retries after the first attempt before the job fails (and is dead-lettered). Default 3. */
  retryLimit?: number;
  /** Seconds before the first retry. Default 5. */
  retryDelay?: number;
  /** Double the delay at each retry (with jitter). Default true. */
  retryBackoff?: boolean;
  /** The longest delay between retries, in seconds, with `retryBackoff`. Default 3600. */
  retryDelayMax?: number;
  /** Seconds a running job may take before it counts as failed and is retried. Default 900. */
  expireInSeconds?: number;
  /** See `JobPolicy`. Default `standard`: then a `singletonKey` is refused when sending. */
  policy?: JobPolicy;
  /** Keep failed jobs in `<queue>.dead` for an admin to see and retry. Default true. */
  deadLetter?: boolean;
  /** Run on a schedule: the cron pass of whichever replica is up sends one job per run. */
  schedule?: JobSchedule;
}

/** A definition's jobs, by queue name (letters, digits, `.`, `-`, `_`; the subgraph's name first). */
export type JobDeclarations = Record<string, JobDeclaration>;

/** One delivery of a job to its handler. */
export interface ReceivedJob<Data> {
  id: string;
  queue: string;
  data: Data;
  /** How many earlier attempts failed (0 on the first delivery). */
  retryCount: number;
}

export type JobHandler<Data> = (job: ReceivedJob<Data>) => Promise<void>;

/** A handler for every declared queue, returned from `setup` as `jobs`. */
export type JobHandlers<Jobs extends JobDeclarations> = {
  [Q in keyof Jobs]: JobHandler<z.output<Jobs[Q]['data']>>;
};

export interface SendJobOptions {
  /** Not before this moment. */
  startAfter?: Date;
  /** At most one job per key, the way the queue's `policy` says; refused on a `standard` queue. */
  singletonKey?: string;
  /** Higher runs first. */
  priority?: number;
}

/** What `setup` gets as `jobs`: sending, in the caller's transaction when it passes one. */
export interface JobSender<Jobs extends JobDeclarations> {
  /**
   * Enqueues a job. With `trx`, the job is written in that transaction: it exists only if the
   * business change commits. Answers the job id, or null when a singleton key kept it out.
   */
  send<Q extends keyof Jobs & string>(
    queue: Q,
    data: z.input<Jobs[Q]['data']>,
    options?: SendJobOptions,
    trx?: Knex.Transaction,
  ): Promise<string | null>;
}

/** The dead-letter queue of `queue`. */
export const deadLetterQueue = (queue: string) => `${queue}.dead`;

export const QUEUE_NAME_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;
