/**
 * inventory: owns `Product.inStock` and `Product.shippingEstimate`, which @requires the
 * product's price and weight (owned by products): the gateway must fetch them first and
 * send them in the representation.
 */
import { parse } from 'graphql';
import { inventory as inventoryRows } from './fixtures.js';
import type { BenchSubgraphModule } from './module.js';

interface ProductReference {
  upc: string;
  price?: number | null;
  weight?: number | null;
}

export const inventory: BenchSubgraphModule = {
  typeDefs: parse(/* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])

    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }
  `),
  resolvers: {
    Product: {
      __resolveReference: (reference: ProductReference) => {
        const row = inventoryRows.find((item) => item.upc === reference.upc);
        return row ? { ...reference, inStock: row.inStock } : null;
      },
      // Free above 1000, otherwise half the weight. Computed from the representation, so
      // the expected response only matches when the gateway really carried price and weight.
      // (The public benchmark's Rust subgraph ignores the representation and answers null.)
      shippingEstimate: (product: ProductReference) => {
        if (product.price == null) return null;
        if (product.price > 1000) return 0;
        return product.weight == null ? null : Math.trunc(product.weight / 2);
      },
    },
  },
};
