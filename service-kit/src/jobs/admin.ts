/**
 * What an admin sees of a subgraph's jobs and may do to them, served by the kit on every
 * subgraph that runs jobs (see docs/adr for why one admin API reaches them over HTTP):
 *
 *   POST /internal/jobs/queues {}                      → { service, queues: QueueSummary[] }
 *   POST /internal/jobs/list { queue, state: failed|dead_lettered, limit? }
 *                                                      → { jobs: JobSummary[] } (newest first)
 *   POST /internal/jobs/retry { queue, id }            → { retried: true, id } | 404
 *
 * POST throughout, like every internal call of the platform (the kit's `InternalClient`).
 *
 * Only `authz`, which serves the admin GraphQL fields (`JOBS_ADMIN_SERVICE`), gets in: 401 without
 * a valid credential, 403 for another caller. A subgraph lists authz in its `internalApi.callers`
 * for that, and authz lists the subgraph in its `calls`. Retrying
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
  // pg-boss answers `{ affected }` here, though its type declares no field.
  const result = (await jobs.boss.retry(queue, id)) as { affected?: number };
  return (result.affected ?? 0) > 0;
}

/** The one service that administers every subgraph's jobs (docs/adr/0004-background-jobs.md). */
export const JOBS_ADMIN_SERVICE = 'authz';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const retryBody = z.object({ queue: z.string().min(1), id: z.string().regex(UUID, 'must be a job id (a UUID)') });
const listBody = z.object({
  queue: z.string().min(1),
  state: z.enum(['failed', 'dead_lettered'], { error: 'must be failed or dead_lettered' }),
  limit: z.number().int().min(1).max(500).default(50),
});

async function parsedBody<T>(req: IncomingMessage, schema: z.ZodType<T>, shape: string): Promise<T> {
  const parsed = schema.safeParse(await readJsonBody(req, 4096));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(
      400,
      `The body must be ${shape}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  return parsed.data;
}

export function jobsAdminRoutes(options: {
  service: string;
  jobs: Jobs;
  db: Database;
  authenticateService: (req: IncomingMessage) => string;
}): Route[] {
  const { jobs, db } = options;
  const authenticateAdmin = (req: IncomingMessage): string => {
    const caller = options.authenticateService(req);
    if (caller !== JOBS_ADMIN_SERVICE) throw new HttpError(403, `${caller} may not administer jobs`, 'FORBIDDEN');
    return caller;
  };
  const knownQueue = (queue: string | null): string => {
    if (!queue || !jobs.declarations[queue]) {
      throw new HttpError(404, `${options.service} has no job queue "${queue ?? ''}"`, 'NOT_FOUND');
    }
    return queue;
  };
  return [
    {
      method: 'POST',
      path: '/internal/jobs/queues',
      handler: async ({ req, res }) => {
        authenticateAdmin(req);
        sendJson(res, 200, { service: options.service, queues: await queueSummaries(jobs, db) });
      },
    },
    {
      method: 'POST',
      path: '/internal/jobs/list',
      handler: async ({ req, res }) => {
        authenticateAdmin(req);
        const body = await parsedBody(req, listBody, '{ queue, state, limit? }');
        const queue = knownQueue(body.queue);
        sendJson(res, 200, { jobs: await listJobs(jobs, db, queue, body.state, body.limit) });
      },
    },
    {
      method: 'POST',
      path: '/internal/jobs/retry',
      handler: async ({ req, res, logger }) => {
        const caller = authenticateAdmin(req);
        const body = await parsedBody(req, retryBody, '{ queue, id }');
        const queue = knownQueue(body.queue);
        if (!(await retryJob(jobs, queue, body.id))) {
          throw new HttpError(404, `no failed or dead-lettered job ${body.id} in ${queue}`, 'NOT_FOUND');
        }
        logger.info({ caller, queue, jobId: body.id }, 'job retried by an admin');
        sendJson(res, 200, { retried: true, id: body.id });
      },
    },
  ];
}
