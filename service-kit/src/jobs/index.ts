export * from './definition.js';
export { queueSummaries, listJobs, retryJob, type JobState, type JobSummary, type QueueSummary } from './admin.js';
export { JOBS_SCHEMA, type Jobs } from './runtime.js';
