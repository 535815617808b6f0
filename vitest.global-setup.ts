/** Starts real Postgres and Redis once for the whole test run and hands their URLs to tests. */
import type { TestProject } from 'vitest/node';
import { startTestInfrastructure } from './devkit/src/testing/infrastructure.js';

export default async function setup(project: TestProject) {
  const infrastructure = await startTestInfrastructure();
  project.provide('postgresAdminUrl', infrastructure.postgresAdminUrl);
  project.provide('redisUrl', infrastructure.redisUrl);
  return () => infrastructure.stop();
}
