/**
 * The daily `identity.prune-tokens` job, run now through pg-boss: verification and reset
 * tokens used or expired more than a day ago are deleted; usable ones, and ones spent within
 * the day, stay.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './support.js';

let identity: IdentityHarness;

beforeAll(async () => {
  identity = await startIdentity({ env: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' } });
});
afterAll(() => identity?.stop());

async function token(userId: string, expiresIn: string, usedAgo: string | null): Promise<string> {
  const id = randomUUID();
  await identity.db.raw(
    `insert into user_tokens (id, user_id, purpose, token_hash, expires_at, used_at)
     values (?, ?, 'password_reset', encode(sha256(?::bytea), 'hex'), now() + ?::interval, now() - ?::interval)`,
    [id, userId, id, expiresIn, usedAgo],
  );
  return id;
}

it('deletes tokens used or expired more than a day ago, and nothing else', async () => {
  const user = await identity.register();
  const usable = await token(user.id, '1 hour', null);
  const usedLongAgo = await token(user.id, '1 hour', '2 days');
  const expiredLongAgo = await token(user.id, '-2 days', null);
  const usedToday = await token(user.id, '1 hour', '1 hour');
  const expiredToday = await token(user.id, '-1 hour', null);

  await identity.subgraph.jobs!.send('identity.prune-tokens', {});
  const ids = async () => (await identity.db('user_tokens').select<{ id: string }[]>('id')).map((row) => row.id);
  await eventually(async () => !(await ids()).includes(usedLongAgo), 'the pruning job');

  expect(await ids()).not.toContain(expiredLongAgo);
  expect(await ids()).toEqual(expect.arrayContaining([usable, usedToday, expiredToday]));
});
