/**
 * What an admin sees of a subgraph's jobs and may do to them, served by the kit on every
 * subgraph that runs jobs (see docs/adr for why one admin API reaches them over HTTP):
 *
 *   GET  /internal/jobs/queues                         → { service, queues: QueueSummary[] }
 *   GET  /internal/jobs/jobs?queue=<q>&state=failed|dead_lettered[&limit=n]
 *                                                      → { jobs: JobSummary[] } (newest first)
 *   POST /internal/jobs/retry { queue, id }            → { retried: true, id } | 404
 *
 * Only the services in the definition's `internalApi.callers` get in (401 otherwise). Retrying
 * a dead letter sends it back to its queue (pg-boss `redrive`, a new job id, retries reset); a
 * failed job of a queue without dead letters is retried in place.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Database } from '../database.js';
import { HttpError, readJsonBody, sendJson, type Route } from '../http.js';
import { sqlOn } from '../sql.js';
import { deadLetterQueue } from './definition.js';
import { countJobs, JOBS_SCHEMA, type Jobs } from './runtime.js';

export interface QueueSummary {
  queue: string;
  /** Its `.dead` queue, or null when failures are not dead-lettered. */
  deadLetterQueue: string | null;
  /** The cron and its time zone, when scheduled. */
  schedule: { cron: string; tz: string; missed: string } | null;
  /** Created or waiting for a retry (due or not). */
  queued: number;
  active: number;
  completed: number;
  /** Failed for good (their retries spent), still stored. */
  failed: number;
  /** Waiting in the dead-letter queue for a retry. */
  deadLettered: number;
}

export type JobState = 'failed' | 'dead_lettered';

export interface JobSummary {
  id: string;
  queue: string;
  state: JobState;
  data: unknown;
  retryCount: number;
  /** The last error, as pg-boss stored it. */
  error: unknown;
  createdAt: string;
}

const jobRow = z.object({
  id: z.string(),
  data: z.unknown(),
  retry_count: z.number(),
  output: z.unknown(),
  created_on: z.coerce.date(),
});

const QUEUED_STATES = new Set(['created', 'retry']);

export async function queueSummaries(jobs: Jobs, db: Database): Promise<QueueSummary[]> {
  const declared = Object.entries(jobs.declarations);
  const names = declared.flatMap(([queue]) => [queue, deadLetterQueue(queue)]);
  const counts = await countJobs(db, names);
  const count = (queue: string, states: (state: string) => boolean) =>
    counts.filter((row) => row.name === queue && states(row.state)).reduce((sum, row) => sum + row.count, 0);
  return declared.map(([queue, declaration]) => {
    const dead = declaration.deadLetter === false ? null : deadLetterQueue(queue);
    return {
      queue,
      deadLetterQueue: dead,
      schedule: declaration.schedule ?? null,
      queued: count(queue, (state) => QUEUED_STATES.has(state)),
      active: count(queue, (state) => state === 'active'),
      completed: count(queue, (state) => state === 'completed'),
      failed: count(queue, (state) => state === 'failed'),
      deadLettered: dead ? count(dead, (state) => QUEUED_STATES.has(state)) : 0,
    };
  });
}

export async function listJobs(jobs: Jobs, db: Database, queue: string, state: JobState, limit: number) {
  const declaration = jobs.declarations[queue];
  if (!declaration) return null;
  const [table, states] = state === 'failed' ? [queue, ['failed']] : [deadLetterQueue(queue), [...QUEUED_STATES]];
  const rows = await sqlOn(db).rows(
    jobRow,
    `select id::text as id, data, retry_count, output, created_on from ${JOBS_SCHEMA}.job
      where name = ? and state::text = any(?) order by created_on desc limit ?`,
    [table, states, limit],
  );
  return rows.map((row): JobSummary => ({
    id: row.id,
    queue,
    state,
    data: row.data,
    retryCount: row.retry_count,
    error: row.output ?? null,
    createdAt: row.created_on.toISOString(),
  }));
}

/** Sends a dead letter back to its queue, or retries a failed job in place; false when neither exists. */
export async function retryJob(jobs: Jobs, queue: string, id: string): Promise<boolean> {
  const declaration = jobs.declarations[queue];
  if (!declaration) return false;
  if (declaration.deadLetter !== false) {
    const moved = await jobs.boss.redrive(deadLetterQueue(queue), { ids: [id], destination: queue });
    return moved > 0;
  }
  const result = await jobs.boss.retry(queue, id);
  return result.affected > 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const retryBody = z.object({ queue: z.string().min(1), id: z.string().regex(UUID, 'must be a job id (a UUID)') });

export function jobsAdminRoutes(options: {
  service: string;
  jobs: Jobs;
  db: Database;
  authenticateService: (req: IncomingMessage) => string;
}): Route[] {
  const { jobs, db } = options;
  const knownQueue = (queue: string | null): string => {
    if (!queue || !jobs.declarations[queue]) {
      throw new HttpError(404, `${options.service} has no job queue "${queue ?? ''}"`, 'NOT_FOUND');
    }
    return queue;
  };
  return [
    {
      method: 'GET',
      path: '/internal/jobs/queues',
      handler: async ({ req, res }) => {
        options.authenticateService(req);
        sendJson(res, 200, { service: options.service, queues: await queueSummaries(jobs, db) });
      },
    },
    {
      method: 'GET',
      path: '/internal/jobs/jobs',
      handler: async ({ req, res, url }) => {
        options.authenticateService(req);
        const queue = knownQueue(url.searchParams.get('queue'));
        const state = url.searchParams.get('state');
        if (state !== 'failed' && state !== 'dead_lettered') {
          throw new HttpError(400, 'state must be failed or dead_lettered');
        }
        const limit = Number(url.searchParams.get('limit') ?? '50');
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
          throw new HttpError(400, 'limit must be a whole number from 1 to 500');
        }
        sendJson(res, 200, { jobs: await listJobs(jobs, db, queue, state, limit) });
      },
    },
    {
      method: 'POST',
      path: '/internal/jobs/retry',
      handler: async ({ req, res, logger }) => {
        const caller = options.authenticateService(req);
        const parsed = retryBody.safeParse(await readJsonBody(req, 4096));
        if (!parsed.success) {
          throw new HttpError(400, `The body must be { queue, id }: ${parsed.error.issues[0]?.message ?? ''}`);
        }
        const queue = knownQueue(parsed.data.queue);
        if (!(await retryJob(jobs, queue, parsed.data.id))) {
          throw new HttpError(404, `no failed or dead-lettered job ${parsed.data.id} in ${queue}`, 'NOT_FOUND');
        }
        logger.info({ caller, queue, jobId: parsed.data.id }, 'job retried by an admin');
        sendJson(res, 200, { retried: true, id: parsed.data.id });
      },
    },
  ];
}
