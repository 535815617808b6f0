/**
 * The admin view of every service's background jobs. Each service keeps its jobs in its own
 * database (pg-boss), so authz asks each one over the kit's internal jobs API
 * (`/internal/jobs/*`, docs/adr/0004) with its service credential; no database is shared.
 * Which services: every one that runs jobs, from the registry (`__generated__/job-services.ts`,
 * written by `npm run codegen`), authz itself included (it asks its own internal API like any other).
 */
import {
  InternalCallError,
  notFound,
  type InternalService,
  type JobState,
  type JobSummary,
  type QueueSummary,
} from '@platform/service-kit';

export interface JobQueueView extends QueueSummary {
  service: string;
}

export interface BackgroundJobView extends JobSummary {
  service: string;
}

export interface BackgroundJobsAdmin {
  queues(requestId: string): Promise<JobQueueView[]>;
  jobs(service: string, queue: string, state: JobState, limit: number, requestId: string): Promise<BackgroundJobView[]>;
  retry(service: string, queue: string, id: string, requestId: string): Promise<void>;
}

/** `services`: each administered service's internal API, null where its call is not configured. */
export function createBackgroundJobsAdmin(services: ReadonlyMap<string, InternalService | null>): BackgroundJobsAdmin {
  const serviceNamed = (service: string): InternalService => {
    const found = services.get(service);
    if (!found) throw notFound(`No background jobs are administered for service "${service}"`);
    return found;
  };
  // The service's 404 (an unknown queue or job) is the caller's NOT_FOUND; anything else is ours.
  const call = async <T>(service: string, path: string, body: unknown, requestId: string): Promise<T> => {
    try {
      return await serviceNamed(service).client.post<T>(path, body, { requestId });
    } catch (error) {
      if (error instanceof InternalCallError && error.status === 404) {
        const message = (error.body as { error?: string } | undefined)?.error;
        throw notFound(message ?? `Not found in ${service}`);
      }
      throw error;
    }
  };
  return {
    async queues(requestId) {
      const configured = [...services].filter(([, internal]) => internal !== null).map(([service]) => service);
      const answers = await Promise.all(
        configured.map(async (service) => {
          const body = await call<{ queues: QueueSummary[] }>(service, '/internal/jobs/queues', {}, requestId);
          return body.queues.map((queue) => ({ ...queue, service }));
        }),
      );
      return answers.flat();
    },
    async jobs(service, queue, state, limit, requestId) {
      const body = await call<{ jobs: JobSummary[] }>(
        service,
        '/internal/jobs/list',
        { queue, state, limit },
        requestId,
      );
      return body.jobs.map((job) => ({ ...job, service }));
    },
    async retry(service, queue, id, requestId) {
      await call(service, '/internal/jobs/retry', { queue, id }, requestId);
    },
  };
}
