/**
 * The daily `auth.prune-sessions` job, run now through pg-boss: sessions that ended more than
 * 30 days ago go with their refresh tokens; live sessions, recently ended ones and the spent
 * tokens of a live session (reuse detection needs them) stay.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAuth, type AuthHarness } from './support.js';

let auth: AuthHarness;

beforeAll(async () => {
  auth = await startAuth({ users: [], env: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' } });
});
afterAll(() => auth?.stop());

async function session(ended: string | null, revoked: string | null, tokenExpired: string): Promise<string> {
  const id = randomUUID();
  await auth.db.raw(
    `insert into sessions (id, user_id, expires_at, revoked_at) values (?, ?, now() + ?::interval, now() + ?::interval)`,
    [id, randomUUID(), ended ?? '7 days', revoked],
  );
  await auth.db.raw(
    `insert into refresh_tokens (id, session_id, token_hash, expires_at, used_at)
     values (?, ?, encode(sha256(gen_random_uuid()::text::bytea), 'hex'), now() + ?::interval, now() - interval '40 days')`,
    [randomUUID(), id, tokenExpired],
  );
  return id;
}

it('deletes sessions ended more than 30 days ago and expired refresh tokens, and nothing else', async () => {
  const expiredLongAgo = await session('-31 days', null, '-31 days');
  const revokedLongAgo = await session(null, '-45 days', '6 days');
  const expiredRecently = await session('-2 days', null, '-2 days');
  const live = await session(null, null, '7 days');
  const liveWithOldToken = await session(null, null, '-31 days');

  await auth.subgraph.jobs!.send('auth.prune-sessions', {});
  const sessions = async () => (await auth.db('sessions').select<{ id: string }[]>('id')).map((row) => row.id);
  await eventually(async () => !(await sessions()).includes(revokedLongAgo), 'the pruning job');

  expect(await sessions()).not.toContain(expiredLongAgo);
  expect(await sessions()).toEqual(expect.arrayContaining([expiredRecently, live, liveWithOldToken]));
  const tokensOf = async (sessionId: string) =>
    Number((await auth.db('refresh_tokens').where({ session_id: sessionId }).count())[0]!.count);
  expect(await tokensOf(live)).toBe(1);
  expect(await tokensOf(expiredRecently)).toBe(1);
  expect(await tokensOf(liveWithOldToken)).toBe(0);
  expect(await tokensOf(revokedLongAgo)).toBe(0);
});

it('schedules the pruning daily at 03:17 UTC, making up one missed run', async () => {
  const { rows } = await auth.db.raw<{ rows: { cron: string; timezone: string }[] }>(
    `select cron, timezone from pgboss.schedule where name = 'auth.prune-sessions'`,
  );
  expect(rows).toEqual([expect.objectContaining({ cron: '17 3 * * *', timezone: 'UTC' })]);
});
