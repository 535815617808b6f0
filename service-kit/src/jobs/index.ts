export * from './definition.js';
export {
  JOBS_ADMIN_SERVICE,
  queueSummaries,
  listJobs,
  retryJob,
  type JobState,
  type JobSummary,
  type QueueSummary,
} from './admin.js';
export { JOBS_SCHEMA, type Jobs } from './runtime.js';
