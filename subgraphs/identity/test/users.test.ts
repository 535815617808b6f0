import { Permission } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeUserCursor } from '../src/domain/user-cursors.js';
import { anonymous, signedIn } from '@platform/devkit/testing';
import { startIdentity, type IdentityHarness, type RegisteredUser } from './support.js';

const USERS = /* GraphQL */ `
  query Users($first: Int, $after: String) {
    users(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          email
          name
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

const USER = /* GraphQL */ `
  query User($id: ID!) {
    user(id: $id) {
      id
      email
      name
      emailVerified
    }
  }
`;

interface UsersData {
  users: {
    edges: { cursor: string; node: { id: string; email: string; name: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

interface UserData {
  user: { id: string; email: string; name: string; emailVerified: boolean } | null;
}

const reader = (userId = '00000000-0000-4000-8000-00000000000a') => signedIn(userId, [Permission.IdentityUserRead]);

describe('users (paginated listing)', () => {
  // A database of our own, so the listing holds exactly the users this block registers.
  let identity: IdentityHarness;
  let registered: RegisteredUser[];
  beforeAll(async () => {
    identity = await startIdentity();
    registered = [];
    for (let index = 0; index < 7; index += 1) registered.push(await identity.register({ name: `User ${index}` }));
  });
  afterAll(() => identity.stop());

  const page = (variables: Record<string, unknown>) => identity.graphql<UsersData>(USERS, variables, reader());

  it('pages through every user in creation order with cursors', async () => {
    const first = await page({ first: 3 });
    expect(first.body.errors).toBeUndefined();
    const one = first.body.data!.users;
    expect(one.edges.map((edge) => edge.node.id)).toEqual(registered.slice(0, 3).map((user) => user.id));
    expect(one.pageInfo).toEqual({ hasNextPage: true, endCursor: one.edges[2]!.cursor });

    const two = (await page({ first: 3, after: one.pageInfo.endCursor })).body.data!.users;
    expect(two.edges.map((edge) => edge.node.id)).toEqual(registered.slice(3, 6).map((user) => user.id));
    expect(two.pageInfo).toEqual({ hasNextPage: true, endCursor: two.edges[2]!.cursor });

    const three = (await page({ first: 3, after: two.pageInfo.endCursor })).body.data!.users;
    expect(three.edges.map((edge) => edge.node.id)).toEqual([registered[6]!.id]);
    expect(three.edges[0]!.node).toEqual({ id: registered[6]!.id, email: registered[6]!.email, name: 'User 6' });
    expect(three.pageInfo).toEqual({ hasNextPage: false, endCursor: three.edges[0]!.cursor });

    // Any edge's cursor continues right after that edge.
    const fromMiddle = (await page({ first: 2, after: one.edges[1]!.cursor })).body.data!.users;
    expect(fromMiddle.edges.map((edge) => edge.node.id)).toEqual([registered[2]!.id, registered[3]!.id]);
  });

  it('answers an empty last page after the final cursor', async () => {
    const all = (await page({ first: 100 })).body.data!.users;
    expect(all.edges).toHaveLength(7);
    expect(all.pageInfo.hasNextPage).toBe(false);
    const after = (await page({ after: all.pageInfo.endCursor })).body.data!.users;
    expect(after).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('returns 20 users by default', async () => {
    const { body } = await identity.graphql<UsersData>(
      '{ users { edges { cursor } pageInfo { hasNextPage } } }',
      {},
      reader(),
    );
    expect(body.data!.users.edges).toHaveLength(7);
  });

  it('accepts first between 1 and 100 and refuses 0, 101 and negative values on the first field', async () => {
    for (const first of [1, 100]) expect((await page({ first })).body.errors).toBeUndefined();
    for (const first of [0, 101, -5]) {
      const { body } = await page({ first });
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { first: 'must be between 1 and 100' },
      });
    }
  });

  it('refuses a malformed after cursor on the after field', async () => {
    const forged = [
      'garbage!',
      'bm90IGEgY3Vyc29y', // "not a cursor"
      Buffer.from('2025-01-01T00:00:00.000000Z|not-a-uuid').toString('base64url'),
      Buffer.from('2025-02-30T00:00:00.000000Z|00000000-0000-4000-8000-000000000000').toString('base64url'),
      Buffer.from("1'; drop table users; --|00000000-0000-4000-8000-000000000000").toString('base64url'),
      '',
    ];
    for (const after of forged) {
      const { body } = await page({ first: 2, after });
      expect(body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { after: 'is not a valid cursor' },
      });
    }
    const wellFormed = encodeUserCursor({ createdAt: '1999-01-01T00:00:00.000000Z', id: registered[0]!.id });
    expect((await page({ first: 1, after: wellFormed })).body.errors).toBeUndefined();
  });

  it('reports a bad first and a bad after together', async () => {
    const { body } = await page({ first: 0, after: 'nope' });
    expect(body.errors?.[0]?.extensions?.fields).toEqual({
      first: 'must be between 1 and 100',
      after: 'is not a valid cursor',
    });
  });

  it('refuses a caller whose proof lacks identity.user.read with FORBIDDEN (defense in depth)', async () => {
    const own = registered[0]!;
    const withoutPermission = signedIn(own.id, [Permission.AuthSessionRead, Permission.IdentityUserDelete]);
    const { body } = await identity.graphql<UsersData>(USERS, { first: 3 }, withoutPermission);
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(body.errors?.[0]?.path).toEqual(['users']);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
    const { body } = await identity.graphql<UsersData>(USERS, { first: 3 }, anonymous);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('users (order)', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  it('orders users created in the same microsecond by id, and never skips one that differs by a microsecond', async () => {
    const users = [];
    for (let index = 0; index < 3; index += 1) users.push(await identity.register());
    const [a, b, c] = users.map((user) => user.id) as [string, string, string];
    // Two users tied to the microsecond, a third one microsecond later: older than anyone else.
    await identity.db('users').whereIn('id', [a, b]).update({ created_at: '2000-01-01T00:00:00.000001Z' });
    await identity.db('users').where({ id: c }).update({ created_at: '2000-01-01T00:00:00.000002Z' });

    const seen: string[] = [];
    let after: string | null = null;
    for (let step = 0; step < 3; step += 1) {
      const response: { body: { data?: UsersData | null } } = await identity.graphql<UsersData>(
        USERS,
        { first: 1, after },
        reader(),
      );
      const listing = response.body.data!.users;
      seen.push(listing.edges[0]!.node.id);
      after = listing.pageInfo.endCursor;
    }
    expect(seen).toEqual([...[a, b].sort(), c]);
  });
});

describe('user (by id)', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  it('returns any user to a caller with identity.user.read', async () => {
    const user = await identity.register({ name: 'Grace' });
    const { body } = await identity.graphql<UserData>(USER, { id: user.id }, reader());
    expect(body.errors).toBeUndefined();
    expect(body.data?.user).toEqual({ id: user.id, email: user.email, name: 'Grace', emailVerified: false });
  });

  it('returns null for an unknown id and for an id that is not a UUID', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1'; drop table users; --"]) {
      const { body } = await identity.graphql<UserData>(USER, { id }, reader());
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({ user: null });
    }
  });

  it('refuses a caller without identity.user.read with FORBIDDEN, even for their own id', async () => {
    const user = await identity.register();
    const { body } = await identity.graphql<UserData>(USER, { id: user.id }, signedIn(user.id));
    expect(body.data).toEqual({ user: null });
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
