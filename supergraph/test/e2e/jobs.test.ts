/**
 * Background jobs seen by an admin through the real gateway: `jobQueues` lists the queues of
 * every subgraph that runs jobs (authz asking each over its internal jobs API, the list derived
 * from the registry). notifications' pruning job is made to fail for real (its table renamed
 * away in notifications' own database), fails three times, lands in the dead-letter queue, is
 * listed by `backgroundJobs`, and completes once the table is back and the admin retries it. A
 * user without `authz.job.manage` is refused by the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@platform/devkit/testing';
import { createDatabase, runsJobs, type Database } from '@platform/service-kit';
import { subgraphs } from '../../src/platform/services.js';
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

const PRUNE = 'notifications.prune-deliveries';

let platform: TestPlatform;
let notificationsDb: Database;
let adminToken: string;

beforeAll(async () => {
  platform = await startTestPlatform({ environment: { notifications: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' } } });
  notificationsDb = createDatabase({
    url: platform.environments.notifications!.DATABASE_URL!,
    applicationName: 'jobs-e2e',
  });
  adminToken = (await login(platform, platform.admin)).accessToken;
});
afterAll(async () => {
  await notificationsDb?.destroy();
  await platform?.stop();
});

const jobQueues = async () => {
  const response = await platform.graphql<{ jobQueues: Queue[] }>(JOB_QUEUES, {}, { token: adminToken });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.jobQueues;
};
const pruneQueue = async () => (await jobQueues()).find((queue) => queue.name === PRUNE);

describe('background jobs through the gateway', () => {
  it("lists the queues of every subgraph that runs jobs, each under its service's name", async () => {
    const queues = await jobQueues();
    const running = subgraphs.filter(runsJobs).map((subgraph) => subgraph.name);
    expect(running).toEqual(expect.arrayContaining(['identity', 'bookings', 'blog', 'notifications', 'expenses']));
    expect([...new Set(queues.map((queue) => queue.service))].sort()).toEqual([...running].sort());
    const named = (service: string) => queues.filter((queue) => queue.service === service).map((queue) => queue.name);
    expect(named('identity')).toEqual(expect.arrayContaining(['identity.prune-tokens']));
    expect(named('blog')).toEqual(['blog.publish-post']);
    expect(named('notifications')).toEqual(
      expect.arrayContaining(['notifications.send-mail', PRUNE, 'kit.prune-processed-events']),
    );
    expect(named('media')).toEqual(expect.arrayContaining(['media.expire-uploads']));
    // A service that only consumes events still runs the kit's pruning of their ids.
    expect(named('bookings')).toEqual(expect.arrayContaining(['kit.prune-processed-events']));
  });

  it('shows a job that failed three times as dead-lettered to an admin, who retries it into success', async () => {
    expect(await pruneQueue()).toMatchObject({ service: 'notifications', failed: 0, deadLettered: 0 });

    await notificationsDb.raw('alter table deliveries rename to deliveries_away');
    await platform.sendJob('notifications', PRUNE, {});
    await eventually(async () => (await pruneQueue())?.deadLettered === 1, 'the dead letter', 20_000);
    const before = await pruneQueue();
    expect(before).toMatchObject({ failed: 1, deadLettered: 1 });

    const dead = await platform.graphql<{
      backgroundJobs: { id: string; queue: string; state: string; data: string }[];
    }>(DEAD_LETTERS, { service: 'notifications', queue: PRUNE }, { token: adminToken });
    expect(dead.body.data?.backgroundJobs).toHaveLength(1);
    expect(dead.body.data?.backgroundJobs[0]).toMatchObject({
      queue: PRUNE,
      state: 'DEAD_LETTERED',
      data: '{}',
    });

    await notificationsDb.raw('alter table deliveries_away rename to deliveries');
    const id = dead.body.data!.backgroundJobs[0]!.id;
    const retried = await platform.graphql(
      RETRY,
      { service: 'notifications', queue: PRUNE, id },
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
