/**
 * reviews: owns `Review`, `Product.reviews` and `User.reviews`; `Review.author` provides
 * the author's username, so the gateway need not ask accounts for it.
 */
import { parse } from 'graphql';
import { REVIEW_AUTHOR, REVIEWS_OF_EVERY_USER, reviews as reviewRows, type ReviewRow } from './fixtures.js';
import type { BenchSubgraphModule } from './module.js';

export const reviews: BenchSubgraphModule = {
  typeDefs: parse(/* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@provides"])

    type Review @key(fields: "id") {
      id: ID!
      body: String
      product: Product
      author: User @provides(fields: "username")
    }

    type User @key(fields: "id") {
      id: ID!
      username: String @external
      reviews: [Review]
    }

    type Product @key(fields: "upc") {
      upc: String!
      reviews: [Review]
    }
  `),
  resolvers: {
    Review: {
      __resolveReference: (reference: { id: string }) =>
        reviewRows.find((review) => review.id === reference.id) ?? null,
      product: (review: ReviewRow) => ({ upc: review.productUpc }),
      author: () => REVIEW_AUTHOR,
    },
    User: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      reviews: () => REVIEWS_OF_EVERY_USER,
    },
    Product: {
      __resolveReference: (reference: { upc: string }) => ({ upc: reference.upc }),
      reviews: (product: { upc: string }) => reviewRows.filter((review) => review.productUpc === product.upc),
    },
  },
};
