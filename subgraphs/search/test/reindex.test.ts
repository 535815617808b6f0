/**
 * `startSearchReindex` at the subgraph: its own permission check behind the gateway's
 * `@requiresScopes`, and the refusal while another rebuild holds the lock. The rebuild itself,
 * from a real listings through the gateway, runs in supergraph/test/e2e/discovery-search.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { Permission, sqlOn } from '@platform/service-kit';
import { errorCode, signedIn, startSubgraph, type SubgraphHarness } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchSubgraph } from '../src/subgraph.js';

const START = `mutation { startSearchReindex { engine startedAt } }`;

let search: SubgraphHarness<typeof searchSubgraph>;
beforeAll(async () => {
  // Nothing listens there: these tests never get as far as reading listings.
  search = await startSubgraph(searchSubgraph, {
    env: { LISTINGS_INTERNAL_URL: 'http://127.0.0.1:9', LISTINGS_INTERNAL_CREDENTIAL: `svc_${'x'.repeat(40)}` },
  });
});
afterAll(() => search?.stop());

describe('startSearchReindex', () => {
  it('is FORBIDDEN without search.index.rebuild, whatever else the caller holds', async () => {
    const organizer = signedIn(randomUUID(), [Permission.ListingsEventManage, Permission.AuthzJobManage]);
    const { body } = await search.graphql(START, {}, organizer);
    expect(errorCode(body)).toBe('FORBIDDEN');
  });

  it('is CONFLICT while another rebuild holds the lock, saying to try again when it ends', async () => {
    const admin = signedIn(randomUUID(), [Permission.SearchIndexRebuild]);
    await search.db.transaction(async (trx) => {
      await sqlOn(trx).execute(`select pg_advisory_xact_lock(hashtext('search.rebuild'))`);
      const { body } = await search.graphql(START, {}, admin);
      expect(errorCode(body)).toBe('CONFLICT');
      expect(body.errors![0]!.message).toBe('Another rebuild of the search index is running: try again when it ends');
    });
  });
});
