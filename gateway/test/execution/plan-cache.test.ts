/**
 * The executor's plans are cached per operation until the supergraph changes: a supergraph
 * that moves a field to another subgraph gives the same operation a new plan, and the answer
 * comes from where the new supergraph says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startExecutorFederation, type ExecutorFederation } from './harness.js';

let federation: ExecutorFederation;

beforeAll(async () => {
  federation = await startExecutorFederation();
});

afterAll(async () => {
  await federation?.stop();
});

describe('the platform query-plan executor', () => {
  it('plans again when the supergraph file is replaced', async () => {
    const query = `query Names { products { upc name } }`;
    const before = await post(federation.urls.platform, query);
    expect(before.body).toEqual({
      data: {
        products: [
          { upc: '1', name: 'Table' },
          { upc: '2', name: 'Couch' },
          { upc: '3', name: 'Chair' },
          { upc: '4', name: 'Lamp' },
        ],
      },
    });

    // The new supergraph moves Product.name from catalog to labels (@override).
    await federation.replaceSupergraph();
    federation.clear();
    const after = await post(federation.urls.platform, query);
    expect(after.body).toEqual({
      data: {
        products: [
          { upc: '1', name: 'Table (labelled)' },
          { upc: '2', name: 'Couch (labelled)' },
          { upc: '3', name: 'Chair (labelled)' },
          { upc: '4', name: 'Lamp (labelled)' },
        ],
      },
    });
    expect(federation.received.labels).toHaveLength(1);
    expect(after).toEqual(await post(federation.urls.apollo, query));
  });
});
