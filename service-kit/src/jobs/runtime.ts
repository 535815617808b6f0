/**
 * Runs a subgraph's declared jobs on pg-boss, over the subgraph's own knex pool (pg-boss's knex
 * adapter), so a job can be sent inside the business transaction and nothing holds connections
 * of its own. The kit calls it in this order:
 *
 *   install  (build, after migrations): pg-boss creates or upgrades schema `pgboss`, then every
 *            queue and its `<queue>.dead`, and the schedules (stale ones removed)
 *   work     (start, after consumers): `JOBS_CONCURRENCY` workers per queue, unless `JOBS_ENABLED`
 *            is false
 *   stop     (before the definition's stop hooks and the pool): no new fetches, in-flight jobs
 *            drain for up to `JOBS_SHUTDOWN_SECONDS`, whatever is still running is failed and so
 *            retried by another replica
 *
 * Replicas share the tables: a job is fetched by one worker (`FOR UPDATE SKIP LOCKED`), a
 * scheduled run is sent once for all replicas (pg-boss keys it by its minute).
 *
 * A worker fetches one job at a time, so pg-boss's `process <queue>` span continues each job's
 * sender (a batch span would start a trace of its own, only linking the senders) and a failure
 * retries that job alone. An idle worker polls every `JOBS_POLLING_INTERVAL_SECONDS`; a worker
 * that just ran a job fetches again at once (pg-boss's `notifyWorker`), so a backlog drains at the
 * handlers' pace, and a job sent from this process wakes a worker once it is committed. Its
 * knex pool cannot LISTEN, so pg-boss's NOTIFY wake-ups are not available for other replicas' sends.
 */
import { PgBoss, fromKnex, type Job } from 'pg-boss';
import { Counter, Gauge } from 'prom-client';
import { z } from 'zod';
import { afterCommit, type Database } from '../database.js';
import type { Logger } from '../logger.js';
import { isTimeZone } from '../money/calendar.js';
import type { ServiceMetrics } from '../metrics.js';
import { sqlOn } from '../sql.js';
import { serviceTracer, traceContextPropagator } from '../telemetry/spans.js';
import {
  deadLetterQueue,
  QUEUE_NAME_PATTERN,
  type JobDeclarations,
  type JobHandler,
  type JobSender,
  type SendJobOptions,
} from './definition.js';

export const JOBS_SCHEMA = 'pgboss';

const DEFAULTS = { retryLimit: 3, retryDelay: 5, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 900 };
/** Dead-lettered jobs wait for an admin a month before pg-boss deletes them. */
const DEAD_LETTER_RETENTION_SECONDS = 30 * 24 * 60 * 60;

export interface JobsOptions {
  service: string;
  db: Database;
  logger: Logger;
  metrics: ServiceMetrics;
  declarations: JobDeclarations;
  /** False: this replica sends jobs but runs no worker, cron or maintenance. */
  enabled: boolean;
  concurrency: number;
  pollingIntervalSeconds: number;
  shutdownSeconds: number;
}

export interface Jobs {
  sender: JobSender<JobDeclarations>;
  /** The declared queues, for the admin API. */
  declarations: JobDeclarations;
  boss: PgBoss;
  install(): Promise<void>;
  work(handlers: Record<string, JobHandler<unknown>>): Promise<void>;
  stop(): Promise<void>;
}

/** Problems with declarations that would otherwise surface as a pg-boss error at start. */
function declarationProblems(declarations: JobDeclarations): string[] {
  const problems: string[] = [];
  for (const [queue, declaration] of Object.entries(declarations)) {
    if (!QUEUE_NAME_PATTERN.test(queue)) {
      problems.push(`job queue "${queue}" must be dotted lower case, the service's name first (blog.publish-post)`);
    }
    if (queue.endsWith('.dead')) problems.push(`job queue "${queue}" ends in .dead, the kit's dead-letter suffix`);
    const schedule = declaration.schedule;
    if (schedule) {
      if (!isTimeZone(schedule.tz)) problems.push(`job queue "${queue}": "${schedule.tz}" is no IANA time zone`);
      if (!declaration.data.safeParse({}).success) {
        problems.push(`job queue "${queue}" is scheduled, so its data must accept {} (a run carries no payload)`);
      }
    }
  }
  return problems;
}

const countRow = z.object({ name: z.string(), state: z.string(), count: z.coerce.number() });

export function createJobs(options: JobsOptions): Jobs {
  const { declarations, logger, enabled } = options;
  const problems = declarationProblems(declarations);
  if (problems.length > 0) throw new Error(`${options.service}: ${problems.join('; ')}`);

  const boss = new PgBoss({
    db: fromKnex(options.db),
    schema: JOBS_SCHEMA,
    application_name: options.service,
    instanceName: options.service,
    // A replica with jobs disabled only sends: no maintenance, no cron pass.
    supervise: enabled,
    schedule: enabled,
    // pg-boss's own tracing, under the service's tracer: a send stores its trace context on the
    // job (trace_context), and the worker's CONSUMER span `process <queue>` continues it, so the
    // handler's database spans belong to the request that enqueued the job. Without the SDK its
    // spans are no-ops and no context is stored; its metrics go nowhere, as the SDK registers no
    // meter provider (ours are prom-client's jobs_* above).
    openTelemetry: {
      enabled: true,
      propagateContext: true,
      propagator: traceContextPropagator,
      tracerProvider: { getTracer: () => serviceTracer(options.service) },
    },
  });
  // pg-boss reports background failures (maintenance, cron) as events; unheard, they would crash.
  boss.on('error', (error: Error) => logger.error({ err: error }, 'background jobs error'));
  boss.on('warning', (warning: { message: string; data?: unknown }) =>
    logger.warn({ data: warning.data }, `background jobs: ${warning.message}`),
  );

  const processed = new Counter({
    name: 'jobs_processed_total',
    help: 'Job attempts, by queue and outcome (completed, failed: retried or dead-lettered)',
    labelNames: ['queue', 'outcome'],
    registers: [options.metrics.registry],
  });
  const queueNames = Object.keys(declarations).flatMap((queue) =>
    declarations[queue]!.deadLetter === false ? [queue] : [queue, deadLetterQueue(queue)],
  );
  new Gauge({
    name: 'jobs_queue_jobs',
    help: 'Jobs stored per queue and state (created and retry: the depth; failed; a .dead queue holds dead letters)',
    labelNames: ['queue', 'state'],
    registers: [options.metrics.registry],
    async collect() {
      this.reset();
      for (const row of await countJobs(options.db, queueNames)) {
        this.set({ queue: row.name, state: row.state }, row.count);
      }
    },
  });

  /** Per queue, the ids of this replica's workers, and the next one a send wakes. */
  const workers = new Map<string, { ids: string[]; next: number }>();
  /** Wakes one of the queue's workers, in turn, to fetch now rather than at its next poll. */
  const wake = (queue: string) => {
    const queueWorkers = workers.get(queue);
    if (!queueWorkers || queueWorkers.ids.length === 0) return;
    boss.notifyWorker(queueWorkers.ids[queueWorkers.next++ % queueWorkers.ids.length]!);
  };
  let started = false;

  return {
    declarations,
    boss,
    sender: {
      async send(queue, data, sendOptions: SendJobOptions = {}, trx) {
        const declaration = declarations[queue];
        if (!declaration)
          throw new Error(`${options.service} sends to job queue "${queue}", which it does not declare`);
        if (sendOptions.singletonKey !== undefined && (declaration.policy ?? 'standard') === 'standard') {
          // pg-boss ignores the key on a standard queue: refuse rather than silently enqueue twice.
          throw new Error(`job queue "${queue}" has the standard policy, which ignores singletonKey: declare a policy`);
        }
        const payload = declaration.data.parse(data) as object;
        const id = await boss.send(queue, payload, {
          ...(sendOptions.startAfter ? { startAfter: sendOptions.startAfter } : {}),
          ...(sendOptions.singletonKey !== undefined ? { singletonKey: sendOptions.singletonKey } : {}),
          ...(sendOptions.priority !== undefined ? { priority: sendOptions.priority } : {}),
          ...(trx ? { db: fromKnex(trx) } : {}),
        });
        // A delayed job is for a later poll; a job in a transaction is fetchable once it commits.
        if (id !== null && !sendOptions.startAfter) {
          if (trx) afterCommit(trx, () => wake(queue));
          else wake(queue);
        }
        return id;
      },
    },
    async install() {
      await boss.start();
      started = true;
      for (const [queue, declaration] of Object.entries(declarations)) {
        const retryBackoff = declaration.retryBackoff ?? DEFAULTS.retryBackoff;
        const queueOptions = {
          retryLimit: declaration.retryLimit ?? DEFAULTS.retryLimit,
          retryDelay: declaration.retryDelay ?? DEFAULTS.retryDelay,
          retryBackoff,
          // pg-boss takes a ceiling only for growing delays.
          ...(retryBackoff ? { retryDelayMax: declaration.retryDelayMax ?? DEFAULTS.retryDelayMax } : {}),
          expireInSeconds: declaration.expireInSeconds ?? DEFAULTS.expireInSeconds,
        };
        const dead = declaration.deadLetter === false ? undefined : deadLetterQueue(queue);
        // No worker reads a dead-letter queue: its jobs wait, unexpired, for an admin's retry.
        if (dead) await ensureQueue(boss, dead, { retentionSeconds: DEAD_LETTER_RETENTION_SECONDS });
        await ensureQueue(boss, queue, {
          ...queueOptions,
          policy: declaration.policy ?? 'standard',
          ...(dead ? { deadLetter: dead } : {}),
        });
      }
      await syncSchedules(boss, declarations);
    },
    async work(handlers) {
      if (!enabled) {
        logger.info('background jobs disabled on this replica (JOBS_ENABLED=false): sending only');
        return;
      }
      for (const [queue, declaration] of Object.entries(declarations)) {
        const handle = handlers[queue];
        if (!handle) throw new Error(`${options.service} declares job queue "${queue}" without a handler`);
        const queueWorkers = { ids: [] as string[], next: 0 };
        workers.set(queue, queueWorkers);
        // One pg-boss worker per slot rather than localConcurrency, whose workers share one id: a
        // handler must know its own worker to send it back for the next job.
        for (let slot = 0; slot < options.concurrency; slot++) {
          const workerId = await boss.work(
            queue,
            { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds },
            async ([job]: Job<unknown>[]) => {
              if (!job) return;
              try {
                const data = declaration.data.parse(job.data);
                await handle({ id: job.id, queue, data, retryCount: job.retryCount });
                processed.inc({ queue, outcome: 'completed' });
              } catch (error) {
                processed.inc({ queue, outcome: 'failed' });
                logger.warn({ err: error, queue, jobId: job.id, retryCount: job.retryCount }, 'job failed');
                // pg-boss stores the error as the job's output through knex, which refuses any binding
                // holding an undefined field (pg's DatabaseError has several): keep the message only.
                throw new Error(error instanceof Error ? error.message : String(error));
              } finally {
                // The queue may hold more: this worker fetches again as soon as pg-boss has settled
                // the job, instead of sleeping a polling interval between jobs of a backlog.
                const own = queueWorkers.ids[slot];
                if (own) boss.notifyWorker(own);
              }
            },
          );
          queueWorkers.ids.push(workerId);
        }
      }
    },
    async stop() {
      if (!started) return;
      started = false;
      // Graceful: workers stop fetching and in-flight jobs finish; past the timeout pg-boss fails
      // them, so they are retried (the handler being idempotent) instead of lost.
      await boss.stop({ graceful: true, close: false, timeout: options.shutdownSeconds * 1000 });
      workers.clear();
    },
  };
}

async function ensureQueue(
  boss: PgBoss,
  name: string,
  options: Parameters<PgBoss['createQueue']>[1] & object,
): Promise<void> {
  if (await boss.getQueue(name)) {
    // A changed declaration applies to jobs sent from now on; policy and dead letter are fixed at creation.
    const { policy: _policy, deadLetter, ...changeable } = options;
    await boss.updateQueue(name, { ...changeable, ...(deadLetter ? { deadLetter } : {}) });
  } else {
    await boss.createQueue(name, options);
  }
}

/** Every declared schedule registered (replacing what changed), every schedule no longer declared removed. */
async function syncSchedules(boss: PgBoss, declarations: JobDeclarations): Promise<void> {
  for (const existing of await boss.getSchedules()) {
    if (!declarations[existing.name]?.schedule) await boss.unschedule(existing.name, existing.key);
  }
  for (const [queue, declaration] of Object.entries(declarations)) {
    const schedule = declaration.schedule;
    if (schedule) await boss.schedule(queue, schedule.cron, {}, { tz: schedule.tz, missed: schedule.missed });
  }
}

/** Stored jobs per queue and state, straight from pg-boss's table (its own counts are cached). */
export function countJobs(db: Database, queues: readonly string[]) {
  return sqlOn(db).rows(
    countRow,
    `select name, state::text as state, count(*) as count from ${JOBS_SCHEMA}.job
      where name = any(?) group by name, state`,
    [queues as string[]],
  );
}
