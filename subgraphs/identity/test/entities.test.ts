import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startIdentity, type IdentityHarness } from './support.js';

const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User {
        id
        email
        name
        emailVerified
        createdAt
      }
    }
  }
`;

interface EntitiesData {
  _entities: ({ id: string; email: string } | null)[];
}

/** Counts SQL statements sent by this process that read the users table. */
function countUserQueries() {
  const spy = vi.spyOn(pg.Client.prototype, 'query');
  return () =>
    spy.mock.calls.filter(([config]) => {
      const text = typeof config === 'string' ? config : (config as { text?: string }).text;
      return typeof text === 'string' && /\bfrom users\b/i.test(text);
    }).length;
}

describe('User entity references', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());
  afterEach(() => vi.restoreAllMocks());

  it('resolves N user references with one SQL query', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => identity.register()));
    const representations = [...users, users[0]!].map((user) => ({ __typename: 'User', id: user.id }));

    const userQueries = countUserQueries();
    const { body } = await identity.graphql<EntitiesData>(ENTITIES, { representations });

    expect(body.errors).toBeUndefined();
    expect(body.data?._entities.map((entity) => entity?.email)).toEqual(
      [...users, users[0]!].map((user) => user.email),
    );
    expect(userQueries()).toBe(1);
  });

  it('counts its loads and the ones its request cache answered on /metrics, by loader', async () => {
    /** `dataloader_<counter>_total{loader="userById"}` on the subgraph's /metrics (0 before any load). */
    const sample = async (counter: 'loads' | 'cache_hits') => {
      const text = await (await fetch(`${identity.url}/metrics`)).text();
      const line = new RegExp(`^dataloader_${counter}_total\\{[^}]*loader="userById"[^}]*\\} (\\d+)$`, 'm').exec(text);
      return Number(line?.[1] ?? 0);
    };
    const [first, second] = await Promise.all([identity.register(), identity.register()]);
    const before = { loads: await sample('loads'), hits: await sample('cache_hits') };
    // Three references, one user twice: the second time the request's cache answers.
    const representations = [first, second, first].map((user) => ({ __typename: 'User', id: user.id }));
    const { body } = await identity.graphql<EntitiesData>(ENTITIES, { representations });
    expect(body.errors).toBeUndefined();
    expect(await sample('loads')).toBe(before.loads + 3);
    expect(await sample('cache_hits')).toBe(before.hits + 1);
  });

  it('resolves ids that are not UUIDs, and unknown ones, to null without an error', async () => {
    const user = await identity.register();
    const representations = [
      { __typename: 'User', id: 'not-a-uuid' },
      { __typename: 'User', id: "1'; drop table users; --" },
      { __typename: 'User', id: '00000000-0000-4000-8000-000000000000' },
      { __typename: 'User', id: user.id.toUpperCase() },
    ];
    const userQueries = countUserQueries();
    const { body } = await identity.graphql<EntitiesData>(ENTITIES, { representations });
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities.map((entity) => entity?.id ?? null)).toEqual([null, null, null, user.id]);
    expect(userQueries()).toBe(1);
  });

  it('does not query at all when no reference is a UUID', async () => {
    const userQueries = countUserQueries();
    const { body } = await identity.graphql<EntitiesData>(ENTITIES, {
      representations: [{ __typename: 'User', id: 'abc' }],
    });
    expect(body.data?._entities).toEqual([null]);
    expect(userQueries()).toBe(0);
  });
});
