/**
 * Background jobs seen by an admin through the real gateway: identity's pruning job is made to
 * fail for real (its table renamed away in identity's own database), fails three times, lands in
 * the dead-letter queue, is listed by `jobQueues` and `backgroundJobs` (authz asking identity over
 * its internal jobs API), and completes once the table is back and the admin retries it. A user
 * without `authz.job.manage` is refused by the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@platform/devkit/testing';
import { createDatabase, type Database } from '@platform/service-kit';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser } from '../harness/users.js';

const JOB_QUEUES = /* GraphQL */ `
  query JobQueues {
    jobQueues {
      service
      name
      deadLetterQueue
      schedule {
        cron
        timeZone
        missedRuns
      }
      queued
      completed
      failed
      deadLettered
    }
  }
`;
const DEAD_LETTERS = /* GraphQL */ `
  query DeadLetters($service: String!, $queue: String!) {
    backgroundJobs(service: $service, queue: $queue, state: DEAD_LETTERED) {
      id
      queue
      state
      data
    }
  }
`;
const RETRY = /* GraphQL */ `
  mutation Retry($service: String!, $queue: String!, $id: ID!) {
    retryBackgroundJob(service: $service, queue: $queue, id: $id) {
      id
    }
  }
`;

interface Queue {
  service: string;
  name: string;
  completed: number;
  failed: number;
  deadLettered: number;
}

let platform: TestPlatform;
let identityDb: Database;
let adminToken: string;

beforeAll(async () => {
  platform = await startTestPlatform({ environment: { identity: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' } } });
  identityDb = createDatabase({ url: platform.environments.identity!.DATABASE_URL!, applicationName: 'jobs-e2e' });
  adminToken = (await login(platform, platform.admin)).accessToken;
});
afterAll(async () => {
  await identityDb?.destroy();
  await platform?.stop();
});

const pruneQueue = async () => {
  const response = await platform.graphql<{ jobQueues: Queue[] }>(JOB_QUEUES, {}, { token: adminToken });
  return response.body.data?.jobQueues.find((queue) => queue.name === 'identity.prune-tokens');
};

describe('background jobs through the gateway', () => {
  it('shows a job that failed three times as dead-lettered to an admin, who retries it into success', async () => {
    expect(await pruneQueue()).toMatchObject({ service: 'identity', failed: 0, deadLettered: 0 });

    await identityDb.raw('alter table user_tokens rename to user_tokens_away');
    await platform.sendJob('identity', 'identity.prune-tokens', {});
    await eventually(async () => (await pruneQueue())?.deadLettered === 1, 'the dead letter', 20_000);
    const before = await pruneQueue();
    expect(before).toMatchObject({ failed: 1, deadLettered: 1 });

    const dead = await platform.graphql<{
      backgroundJobs: { id: string; queue: string; state: string; data: string }[];
    }>(DEAD_LETTERS, { service: 'identity', queue: 'identity.prune-tokens' }, { token: adminToken });
    expect(dead.body.data?.backgroundJobs).toHaveLength(1);
    expect(dead.body.data?.backgroundJobs[0]).toMatchObject({
      queue: 'identity.prune-tokens',
      state: 'DEAD_LETTERED',
      data: '{}',
    });

    await identityDb.raw('alter table user_tokens_away rename to user_tokens');
    const id = dead.body.data!.backgroundJobs[0]!.id;
    const retried = await platform.graphql(
      RETRY,
      { service: 'identity', queue: 'identity.prune-tokens', id },
      {
        token: adminToken,
      },
    );
    expect(retried.body).toEqual({ data: { retryBackgroundJob: { id } } });
    await eventually(
      async () => (await pruneQueue())!.completed > before!.completed,
      'the retried job to complete',
      10_000,
    );
    expect(await pruneQueue()).toMatchObject({ deadLettered: 0 });
  }, 60_000);

  it('refuses the jobs fields to a user without authz.job.manage', async () => {
    const user = await registerUser(platform, 'jobs');
    const session = await login(platform, user);
    const response = await platform.graphql(JOB_QUEUES, {}, { token: session.accessToken });
    expect(response.body.data ?? null).toBeNull();
    expect(errorCodes(response)).toContain('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
