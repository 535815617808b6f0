/** The four benchmark subgraphs by name. */
import { accounts } from './accounts.js';
import { inventory } from './inventory.js';
import type { BenchSubgraphModule, BenchSubgraphName } from './module.js';
import { products } from './products.js';
import { reviews } from './reviews.js';

export { BENCH_SUBGRAPH_NAMES, type BenchSubgraphModule, type BenchSubgraphName } from './module.js';

export const benchSubgraphs: Record<BenchSubgraphName, BenchSubgraphModule> = {
  accounts,
  inventory,
  products,
  reviews,
};
