/**
 * The admin API of background jobs: authz's GraphQL fields over a real identity subgraph's
 * internal jobs API (real pg-boss in identity's database). identity's pruning job is made to
 * fail for real (its table renamed away), lands in the dead-letter queue after three attempts,
 * is listed to an admin, and runs once the table is back and the admin retries it.
 */
import { errorCode, eventually, signedIn } from '@platform/devkit/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from '../../identity/test/support.js';
import { startAuthz, type AuthzHarness } from './support.js';

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
      failed
      deadLettered
    }
  }
`;
const BACKGROUND_JOBS = /* GraphQL */ `
  query BackgroundJobs($service: String!, $queue: String!, $state: BackgroundJobState!, $first: Int! = 50) {
    backgroundJobs(service: $service, queue: $queue, state: $state, first: $first) {
      id
      service
      queue
      state
      data
      retryCount
      error
    }
  }
`;
const RETRY = /* GraphQL */ `
  mutation RetryBackgroundJob($service: String!, $queue: String!, $id: ID!) {
    retryBackgroundJob(service: $service, queue: $queue, id: $id) {
      id
      service
      queue
    }
  }
`;

interface Queue {
  service: string;
  name: string;
  deadLetterQueue: string | null;
  schedule: { cron: string; timeZone: string; missedRuns: string } | null;
  queued: number;
  failed: number;
  deadLettered: number;
}

let identity: IdentityHarness;
let authz: AuthzHarness;
const admin = signedIn(randomUUID(), ['authz.job.manage']);

beforeAll(async () => {
  identity = await startIdentity({ env: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' } });
  authz = await startAuthz({
    env: { IDENTITY_INTERNAL_URL: identity.url, IDENTITY_INTERNAL_CREDENTIAL: identity.credential('authz') },
  });
}, 60_000);

afterAll(async () => {
  await authz?.stop();
  await identity?.stop();
});

const pruneQueue = async () => {
  const { body } = await authz.graphql<{ jobQueues: Queue[] }>(JOB_QUEUES, {}, admin);
  return body.data?.jobQueues.find((queue) => queue.name === 'identity.prune-tokens');
};

describe('background jobs through authz', () => {
  it("lists identity's queues with their schedule and counts", async () => {
    expect(await pruneQueue()).toEqual({
      service: 'identity',
      name: 'identity.prune-tokens',
      deadLetterQueue: 'identity.prune-tokens.dead',
      schedule: { cron: '23 3 * * *', timeZone: 'UTC', missedRuns: 'once' },
      queued: 0,
      failed: 0,
      deadLettered: 0,
    });
  });

  it('shows a job that failed three times in the dead-letter queue and runs it when an admin retries it', async () => {
    await identity.db.raw('alter table user_tokens rename to user_tokens_away');
    await identity.subgraph.jobs!.send('identity.prune-tokens', {});
    await eventually(async () => (await pruneQueue())?.deadLettered === 1, 'the dead letter', 20_000);
    expect(await pruneQueue()).toMatchObject({ failed: 1, deadLettered: 1, queued: 0 });

    const failed = await authz.graphql<{ backgroundJobs: { retryCount: number; error: string }[] }>(
      BACKGROUND_JOBS,
      { service: 'identity', queue: 'identity.prune-tokens', state: 'FAILED' },
      admin,
    );
    expect(failed.body.data?.backgroundJobs).toHaveLength(1);
    expect(failed.body.data?.backgroundJobs[0]!.retryCount).toBe(2);
    expect(failed.body.data?.backgroundJobs[0]!.error).toContain('user_tokens');

    const dead = await authz.graphql<{ backgroundJobs: { id: string; state: string; data: string }[] }>(
      BACKGROUND_JOBS,
      { service: 'identity', queue: 'identity.prune-tokens', state: 'DEAD_LETTERED' },
      admin,
    );
    const [letter] = dead.body.data!.backgroundJobs;
    expect(letter).toMatchObject({ state: 'DEAD_LETTERED', data: '{}' });

    await identity.db.raw('alter table user_tokens_away rename to user_tokens');
    const user = await identity.register();
    await identity.db.raw(
      `insert into user_tokens (user_id, purpose, token_hash, expires_at)
       values (?, 'password_reset', encode(sha256('spent'::bytea), 'hex'), now() - interval '2 days')`,
      [user.id],
    );
    const spent = async () =>
      Number(
        (await identity.db('user_tokens').whereRaw("token_hash = encode(sha256('spent'::bytea), 'hex')").count())[0]!
          .count,
      );
    // Counted before the retry: the woken worker may prune it as soon as the retry is answered.
    expect(await spent()).toBe(1);
    const retried = await authz.graphql(
      RETRY,
      { service: 'identity', queue: 'identity.prune-tokens', id: letter!.id },
      admin,
    );
    expect(retried.body).toEqual({
      data: { retryBackgroundJob: { id: letter!.id, service: 'identity', queue: 'identity.prune-tokens' } },
    });
    await eventually(async () => (await spent()) === 0, 'the retried pruning job', 10_000);
    expect(await pruneQueue()).toMatchObject({ deadLettered: 0 });

    const again = await authz.graphql(
      RETRY,
      { service: 'identity', queue: 'identity.prune-tokens', id: letter!.id },
      admin,
    );
    expect(errorCode(again)).toBe('NOT_FOUND');
  }, 40_000);

  it('refuses callers without authz.job.manage, unknown services and bad input', async () => {
    const outsider = await authz.graphql(JOB_QUEUES, {}, signedIn(randomUUID(), ['authz.role.read']));
    expect(errorCode(outsider)).toBe('FORBIDDEN');
    const unknown = await authz.graphql(BACKGROUND_JOBS, { service: 'ledger', queue: 'x.y', state: 'FAILED' }, admin);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    const noQueue = await authz.graphql(
      BACKGROUND_JOBS,
      { service: 'identity', queue: 'identity.nope', state: 'FAILED' },
      admin,
    );
    expect(errorCode(noQueue)).toBe('NOT_FOUND');
    const tooMany = await authz.graphql(
      BACKGROUND_JOBS,
      { service: 'identity', queue: 'identity.prune-tokens', state: 'FAILED', first: 501 },
      admin,
    );
    expect(tooMany.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { first: 'must be 1 to 500' },
    });
  });

  it("keeps identity's credential routes to auth: authz's credential opens the jobs API only", async () => {
    const response = await identity.internal('authz', '/internal/credentials/verify', {
      email: 'a@b.c',
      password: 'x',
    });
    expect(response.status).toBe(403);
  });
});
