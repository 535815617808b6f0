/** accounts: owns `User` (name, username, birthday) and the user queries. */
import { parse } from 'graphql';
import { users } from './fixtures.js';
import type { BenchSubgraphModule } from './module.js';

const findUser = (id: string) => users.find((user) => user.id === id) ?? null;

export const accounts: BenchSubgraphModule = {
  typeDefs: parse(/* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

    type Query {
      me: User
      user(id: ID!): User
      users: [User]
    }

    type User @key(fields: "id") {
      id: ID!
      name: String
      # shareable: the reviews subgraph provides it on Review.author
      username: String @shareable
      birthday: Int
    }
  `),
  resolvers: {
    Query: {
      me: () => users[0],
      user: (_: unknown, args: { id: string }) => findUser(args.id),
      users: () => users,
    },
    User: {
      __resolveReference: (reference: { id: string }) => findUser(reference.id),
    },
  },
};
