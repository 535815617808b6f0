/** products: owns `Product` name, price and weight, and `topProducts`. */
import { parse } from 'graphql';
import { products as productRows } from './fixtures.js';
import type { BenchSubgraphModule } from './module.js';

export const products: BenchSubgraphModule = {
  typeDefs: parse(/* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

    type Query {
      topProducts(first: Int = 5): [Product]
    }

    type Product @key(fields: "upc") {
      upc: String!
      name: String
      price: Int
      weight: Int
    }
  `),
  resolvers: {
    Query: {
      topProducts: (_: unknown, args: { first: number }) => productRows.slice(0, args.first),
    },
    Product: {
      __resolveReference: (reference: { upc: string }) =>
        productRows.find((product) => product.upc === reference.upc) ?? null,
    },
  },
};
