/**
 * The kit's background jobs on real Postgres and real pg-boss: a subgraph declared like any
 * other (the greetings fixture's schema and database), with a job sent in a transaction, a
 * singleton queue, a scheduled queue in a time zone, a queue whose job fails until the
 * database says otherwise, and a backlog drained far faster than one polling interval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, startSubgraph, type SubgraphHarness } from '@platform/devkit/testing';
import { defineSubgraph, sqlOn, type BaseContext, type QueueSummary } from '../src/index.js';
import { greetingsSubgraph } from './fixtures/greetings/definition.js';

const greetingRow = z.object({ text: z.string() });

const choresSubgraph = defineSubgraph({
  name: 'chores',
  port: 4998,
  schema: greetingsSubgraph.schema,
  migrations: greetingsSubgraph.migrations,
  resolvers: {},
  internalApi: { callers: ['authz'] },
  consumes: ['platform.identity.user.registered.v1'],
  publishes: false,
  jobs: {
    'chores.greet': { data: z.object({ name: z.string() }) },
    'chores.greet-once': { data: z.object({ name: z.string() }), policy: 'exclusive' },
    'chores.nightly': {
      data: z.object({}),
      schedule: { cron: '30 2 * * *', tz: 'Europe/Paris', missed: 'once' },
    },
    // Three attempts, no delay: it fails fast enough for a test.
    'chores.flaky': { data: z.object({ name: z.string() }), retryLimit: 2, retryDelay: 0, retryBackoff: false },
    'chores.slow': { data: z.object({ name: z.string() }) },
    // No dead letters: a failed job stays in its queue and is retried there.
    'chores.fragile': { data: z.object({ name: z.string() }), retryLimit: 0, deadLetter: false },
    // A job named "unlucky" fails its first attempt; retried at once.
    'chores.bulk': { data: z.object({ name: z.string() }), retryDelay: 0, retryBackoff: false },
  },
  async setup({ db, jobs }) {
    const greet = async (text: string) => {
      await sqlOn(db).execute('insert into greetings (text) values (?)', [text]);
    };
    return {
      context: (base: BaseContext) => base,
      handlers: { 'platform.identity.user.registered.v1': async () => {} },
      jobs: {
        'chores.greet': async ({ data }) => greet(`Hello, ${data.name}`),
        'chores.greet-once': async ({ data }) => greet(`Once, ${data.name}`),
        'chores.nightly': async () => greet('Good night'),
        'chores.fragile': async ({ data }) => {
          const fixed = await sqlOn(db).first(greetingRow, "select text from greetings where text = 'fragile fixed'");
          if (!fixed) throw new Error(`fragile for ${data.name}`);
          await greet(`Fragile, ${data.name}`);
        },
        // Long enough to be caught running by a stop.
        'chores.slow': async ({ data }) => {
          await new Promise((resolve) => setTimeout(resolve, 1500));
          await greet(`Slowly, ${data.name}`);
        },
        'chores.bulk': async ({ data, retryCount }) => {
          if (data.name === 'unlucky' && retryCount === 0) throw new Error('unlucky the first time');
          await greet(`Bulk, ${data.name}`);
        },
        'chores.flaky': async ({ data }) => {
          // Fails until an operator "fixes" the cause: a row the test inserts.
          const fixed = await sqlOn(db).first(greetingRow, "select text from greetings where text = 'fixed'");
          if (!fixed) throw new Error(`the flaky dependency is down for ${data.name}`);
          await greet(`Flaky, ${data.name}`);
        },
      },
      exposed: { jobs },
    };
  },
});

let chores: SubgraphHarness<typeof choresSubgraph>;

const greetings = async () =>
  (await sqlOn(chores.db).rows(greetingRow, 'select text from greetings')).map((row) => row.text);
const jobCount = async (queue: string) =>
  (
    await sqlOn(chores.db).first(
      z.object({ count: z.coerce.number() }),
      'select count(*) as count from pgboss.job where name = ?',
      [queue],
    )
  )?.count;
const queues = async () =>
  (await chores.internal<{ service: string; queues: QueueSummary[] }>('authz', '/internal/jobs/queues', {})).body
    .queues;

beforeAll(async () => {
  chores = await startSubgraph(choresSubgraph, { env: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' } });
}, 60_000);

afterAll(async () => {
  await chores?.stop();
});

describe('sending', () => {
  it('runs a job sent in a transaction that commits', async () => {
    await chores.db.transaction(async (trx) => {
      await sqlOn(trx).execute("insert into greetings (text) values ('before Ada')");
      await chores.subgraph.exposed.jobs.send('chores.greet', { name: 'Ada' }, {}, trx);
    });
    await eventually(async () => (await greetings()).includes('Hello, Ada'), 'the greet job');
  });

  it('leaves no job behind when the transaction rolls back', async () => {
    const before = await jobCount('chores.greet');
    await expect(
      chores.db.transaction(async (trx) => {
        await sqlOn(trx).execute("insert into greetings (text) values ('before Grace')");
        const id = await chores.subgraph.exposed.jobs.send('chores.greet', { name: 'Grace' }, {}, trx);
        expect(id).toEqual(expect.any(String));
        throw new Error('the business change fails');
      }),
    ).rejects.toThrow('the business change fails');
    expect(await jobCount('chores.greet')).toBe(before);
    expect(await greetings()).not.toContain('before Grace');
  });

  it('keeps a second job with the same singleton key out', async () => {
    const later = new Date(Date.now() + 60 * 60 * 1000);
    const send = () =>
      chores.subgraph.exposed.jobs.send(
        'chores.greet-once',
        { name: 'Linus' },
        { singletonKey: 'linus', startAfter: later },
      );
    const [first, second] = await Promise.all([send(), send()]);
    expect([first, second].filter((id) => id !== null)).toHaveLength(1);
    expect(await send()).toBeNull();
    expect(await jobCount('chores.greet-once')).toBe(1);
  });

  it('refuses a singleton key on a standard queue, which would ignore it', async () => {
    await expect(
      chores.subgraph.exposed.jobs.send('chores.greet', { name: 'Ken' }, { singletonKey: 'ken' }),
    ).rejects.toThrow(/standard policy, which ignores singletonKey/);
  });

  it('checks the payload against the declaration', async () => {
    await expect(
      chores.subgraph.exposed.jobs.send('chores.greet', { name: 42 } as unknown as { name: string }),
    ).rejects.toThrow();
  });
});

describe('schedules', () => {
  it('registers a cron schedule in its time zone with its missed-run policy', async () => {
    const schedules = await sqlOn(chores.db).rows(
      z.object({ name: z.string(), cron: z.string(), timezone: z.string().nullable(), missed: z.string().nullable() }),
      `select name, cron, timezone, options->>'missed' as missed from pgboss.schedule
        where name in ('chores.nightly', 'kit.prune-processed-events') order by name`,
    );
    expect(schedules).toEqual([
      { name: 'chores.nightly', cron: '30 2 * * *', timezone: 'Europe/Paris', missed: 'once' },
      { name: 'kit.prune-processed-events', cron: '7 * * * *', timezone: 'UTC', missed: 'once' },
    ]);
  });

  it('prunes processed event ids past their retention as the kit job', async () => {
    await sqlOn(chores.db).execute(
      `insert into processed_events (consumer, event_id, processed_at) values
        ('chores', gen_random_uuid(), now() - interval '400 days'), ('chores', gen_random_uuid(), now())`,
    );
    await chores.subgraph.exposed.jobs.send('kit.prune-processed-events' as 'chores.nightly', {});
    const ages = () =>
      sqlOn(chores.db).rows(
        z.object({ old: z.boolean() }),
        "select processed_at < now() - interval '1 day' as old from processed_events",
      );
    await eventually(async () => (await ages()).length === 1, 'the pruning job');
    expect(await ages()).toEqual([{ old: false }]);
  });
});

describe('failures', () => {
  it('dead-letters a job that fails three times, shows it to an admin, and runs it when retried', async () => {
    await chores.subgraph.exposed.jobs.send('chores.flaky', { name: 'Barbara' });
    const flaky = async () => (await queues()).find((queue) => queue.queue === 'chores.flaky');
    await eventually(async () => (await flaky())?.deadLettered === 1, 'the dead letter', 15_000);
    expect(await flaky()).toMatchObject({
      failed: 1,
      deadLettered: 1,
      queued: 0,
      deadLetterQueue: 'chores.flaky.dead',
    });

    const listed = await chores.internal<{ jobs: { id: string; retryCount: number; data: unknown; error: unknown }[] }>(
      'authz',
      '/internal/jobs/list',
      { queue: 'chores.flaky', state: 'dead_lettered' },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.jobs).toHaveLength(1);
    const [dead] = listed.body.jobs;
    expect(dead!.data).toEqual({ name: 'Barbara' });
    const failed = await chores.internal<{ jobs: { retryCount: number; error: unknown }[] }>(
      'authz',
      '/internal/jobs/list',
      { queue: 'chores.flaky', state: 'failed' },
    );
    expect(failed.body.jobs[0]).toMatchObject({ retryCount: 2 });
    expect(JSON.stringify(failed.body.jobs[0]!.error)).toContain('the flaky dependency is down for Barbara');
    expect(chores.logs().filter((line) => line.includes('"job failed"'))).toHaveLength(3);

    await sqlOn(chores.db).execute("insert into greetings (text) values ('fixed')");
    const retried = await chores.internal('authz', '/internal/jobs/retry', { queue: 'chores.flaky', id: dead!.id });
    expect(retried).toEqual({ status: 200, body: { retried: true, id: dead!.id } });
    await eventually(async () => (await greetings()).includes('Flaky, Barbara'), 'the retried job');
    expect(await flaky()).toMatchObject({ deadLettered: 0 });

    const again = await chores.internal('authz', '/internal/jobs/retry', { queue: 'chores.flaky', id: dead!.id });
    expect(again.status).toBe(404);
  }, 30_000);

  it('retries a failed job in place on a queue without dead letters', async () => {
    const id = await chores.subgraph.exposed.jobs.send('chores.fragile', { name: 'Alan' });
    const fragile = async () => (await queues()).find((queue) => queue.queue === 'chores.fragile');
    await eventually(async () => (await fragile())?.failed === 1, 'the failure');
    expect(await fragile()).toMatchObject({ deadLetterQueue: null, deadLettered: 0 });

    await sqlOn(chores.db).execute("insert into greetings (text) values ('fragile fixed')");
    const retried = await chores.internal('authz', '/internal/jobs/retry', { queue: 'chores.fragile', id });
    expect(retried).toEqual({ status: 200, body: { retried: true, id } });
    await eventually(async () => (await greetings()).includes('Fragile, Alan'), 'the retried job');
  });

  it('serves the admin API to declared callers only', async () => {
    const refused = await chores.internal(
      'authz',
      '/internal/jobs/queues',
      {},
      { authorization: 'Bearer not-a-credential' },
    );
    expect(refused.status).toBe(401);
    const unknown = await chores.internal('authz', '/internal/jobs/retry', {
      queue: 'chores.nope',
      id: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(404);
    const badState = await chores.internal<{ error: string }>('authz', '/internal/jobs/list', {
      queue: 'chores.flaky',
      state: 'done',
    });
    expect(badState.status).toBe(400);
    expect(badState.body.error).toContain('failed or dead_lettered');
  });

  it('counts queue depth and failures in the metrics', async () => {
    const metrics = await (await fetch(`${chores.url.replace(/\/graphql$/, '')}/metrics`)).text();
    expect(metrics).toMatch(/jobs_processed_total\{queue="chores.flaky",outcome="failed"[^}]*\} 3/);
    expect(metrics).toMatch(/jobs_queue_jobs\{queue="chores.greet-once",state="created"[^}]*\} 1/);
  });
});

describe('a backlog', () => {
  // Polls every 30 s: each test finishes well within one interval, so no job waits for a poll.
  let busy: SubgraphHarness<typeof choresSubgraph>;
  beforeAll(async () => {
    busy = await startSubgraph(choresSubgraph, { env: { JOBS_POLLING_INTERVAL_SECONDS: '30' } });
  }, 60_000);
  afterAll(async () => {
    await busy?.stop();
  });

  const bulkGreetings = async () =>
    (await sqlOn(busy.db).rows(greetingRow, "select text from greetings where text like 'Bulk, %'")).map(
      (row) => row.text,
    );
  const names = (prefix: string, count: number) => Array.from({ length: count }, (_, n) => `${prefix}${n}`);

  it('is drained without waiting a poll between jobs when sent at once by this replica', async () => {
    const sent = names('burst ', 50);
    await Promise.all(sent.map((name) => busy.subgraph.exposed.jobs.send('chores.bulk', { name })));
    await eventually(async () => (await bulkGreetings()).length >= 50, 'the 50 jobs', 20_000);
    expect((await bulkGreetings()).sort()).toEqual(sent.map((name) => `Bulk, ${name}`).sort());
  }, 25_000);

  it('is drained by the worker that picks it up, when another replica sent it', async () => {
    const before = (await bulkGreetings()).length;
    const sender = await startSubgraph(choresSubgraph, {
      databaseUrl: busy.databaseUrl,
      env: { JOBS_ENABLED: 'false' },
    });
    try {
      await Promise.all(names('queued ', 49).map((name) => sender.subgraph.exposed.jobs.send('chores.bulk', { name })));
    } finally {
      await sender.stop();
    }
    // Wakes one worker of this replica; it then fetches job after job until the queue is empty.
    await busy.subgraph.exposed.jobs.send('chores.bulk', { name: 'waker' });
    await eventually(async () => (await bulkGreetings()).length >= before + 50, 'the 50 jobs', 20_000);
    expect(await bulkGreetings()).toHaveLength(before + 50);
  }, 40_000);

  it('retries a failing job alone while the jobs sent with it complete once', async () => {
    const before = (await bulkGreetings()).length;
    const ids = await Promise.all(
      [...names('sibling ', 19), 'unlucky'].map((name) => busy.subgraph.exposed.jobs.send('chores.bulk', { name })),
    );
    await eventually(async () => (await bulkGreetings()).length >= before + 20, 'the 20 jobs', 20_000);
    const attempts = await sqlOn(busy.db).rows(
      z.object({ name: z.string(), state: z.string(), retry_count: z.number() }),
      "select data->>'name' as name, state::text as state, retry_count from pgboss.job where id = any(?)",
      [ids as string[]],
    );
    expect(attempts).toHaveLength(20);
    expect(attempts.filter((attempt) => attempt.state !== 'completed')).toEqual([]);
    expect(attempts.filter((attempt) => attempt.retry_count > 0)).toEqual([
      { name: 'unlucky', state: 'completed', retry_count: 1 },
    ]);
    const all = await bulkGreetings();
    expect(all).toHaveLength(before + 20);
    expect(all.filter((text) => text === 'Bulk, unlucky')).toHaveLength(1);
    const metrics = await (await fetch(`${busy.url.replace(/\/graphql$/, '')}/metrics`)).text();
    expect(metrics).toMatch(/jobs_processed_total\{queue="chores.bulk",outcome="failed"[^}]*\} 1\n/);
  }, 25_000);
});

describe('stopping', () => {
  it('lets a running job finish before the pool closes, and removes schedules no longer declared', async () => {
    const other = await startSubgraph(choresSubgraph, { env: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' } });
    const state = () =>
      sqlOn(other.db).first(
        z.object({ state: z.string() }),
        "select state::text as state from pgboss.job where name = 'chores.slow'",
      );
    await other.subgraph.jobs!.send('chores.slow', { name: 'Edsger' });
    await eventually(async () => (await state())?.state === 'active', 'the slow job to start');
    const { databaseUrl } = other;
    await other.db.raw("insert into pgboss.schedule (name, cron) values ('chores.greet', '0 0 * * *')");
    await other.stop();

    const after = await startSubgraph(defineSubgraph({ ...choresSubgraph, name: 'chores' }), {
      databaseUrl,
      env: { JOBS_ENABLED: 'false' },
    });
    try {
      expect(await sqlOn(after.db).rows(greetingRow, "select text from greetings where text like 'Slowly%'")).toEqual([
        { text: 'Slowly, Edsger' },
      ]);
      expect(
        await sqlOn(after.db).first(
          z.object({ state: z.string() }),
          "select state::text as state from pgboss.job where name = 'chores.slow'",
        ),
      ).toEqual({ state: 'completed' });
      const scheduled = await sqlOn(after.db).rows(
        z.object({ name: z.string() }),
        'select name from pgboss.schedule order by name',
      );
      expect(scheduled.map((row) => row.name)).toEqual(['chores.nightly', 'kit.prune-processed-events']);
    } finally {
      await after.stop();
    }
  }, 30_000);
});
