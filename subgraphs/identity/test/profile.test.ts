import { contractOperation, signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './support.js';

const ME = contractOperation('Me');
const UPDATE_PROFILE = contractOperation('UpdateProfile');

describe('me and updateProfile', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  it('answers me with the signed-in user', async () => {
    const user = await identity.register({ name: 'Katherine Johnson' });
    const { body } = await identity.graphql(ME, {}, signedIn(user.id));
    expect(body.errors).toBeUndefined();
    expect(body.data?.me).toMatchObject({ id: user.id, email: user.email, name: 'Katherine Johnson' });
  });

  it('refuses me to an anonymous caller with UNAUTHENTICATED', async () => {
    const { body } = await identity.graphql(ME);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers me with null when the signed-in user no longer exists', async () => {
    const { body } = await identity.graphql(ME, {}, signedIn('00000000-0000-4000-8000-000000000000'));
    expect(body.errors).toBeUndefined();
    expect(body.data?.me).toBeNull();
  });

  it("changes the signed-in user's own name, trimmed", async () => {
    const user = await identity.register({ name: 'Before' });
    const { body } = await identity.graphql(UPDATE_PROFILE, { name: '  After  ' }, signedIn(user.id));
    expect(body.errors).toBeUndefined();
    expect(body.data?.updateProfile).toEqual({ user: { id: user.id, name: 'After' } });
    const me = await identity.graphql<{ me: { name: string } }>(ME, {}, signedIn(user.id));
    expect(me.body.data?.me.name).toBe('After');
  });

  it('rejects a blank or overlong name with BAD_USER_INPUT on input.name', async () => {
    const user = await identity.register();
    for (const [name, problem] of [
      ['  ', 'is required'],
      ['x'.repeat(101), 'must be at most 100 characters'],
    ]) {
      const { body } = await identity.graphql(UPDATE_PROFILE, { name }, signedIn(user.id));
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: { 'input.name': problem } });
    }
  });

  it('refuses updateProfile to an anonymous caller with UNAUTHENTICATED', async () => {
    const { body } = await identity.graphql(UPDATE_PROFILE, { name: 'Nobody' });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
