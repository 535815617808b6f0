/**
 * Real subgraph schemas, composed in-process with `@apollo/composition` into the supergraph
 * the authorization tests run against.
 */
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, parse, printSchema, type GraphQLSchema } from 'graphql';
import { readAuthorization } from '../../src/authorization/requirements.js';

export const identitySubgraph = /* GraphQL */ `
  extend schema
    @link(
      url: "https://specs.apollo.dev/federation/v2.9"
      import: ["@key", "@authenticated", "@requiresScopes", "@policy"]
    )

  type Query {
    publicInfo: String
    me: User @authenticated
    user(id: ID!): User
    users: [User!]!
    search(term: String!): [SearchResult!]!
    auditCount: Int! @requiresScopes(scopes: [["audit.log.read"]])
    entries: [Entry!]!
    posts: [Post!]!
  }

  type Mutation {
    rename(name: String!): User @authenticated
    deleteUser(id: ID!): Boolean @policy(policies: [["recent_authentication"]])
    ping: String
  }

  type Subscription {
    userEvents: String @authenticated
    ticks: Int
  }

  type User @key(fields: "id") {
    id: ID!
    name: String!
    email: String @requiresScopes(scopes: [["identity.user.read"], ["identity.user.admin"]])
    phone: String! @authenticated
    roles: [Role!]! @requiresScopes(scopes: [["authz.role.read"]])
  }

  type Role {
    id: ID!
    name: String!
  }

  type AuditEntry @requiresScopes(scopes: [["audit.log.read"]]) {
    id: ID!
    action: String!
  }

  union SearchResult = User | Role | AuditEntry

  interface Entry {
    id: ID!
    title: String!
  }

  type Post implements Entry {
    id: ID!
    title: String!
  }

  type Draft implements Entry @authenticated {
    id: ID!
    title: String!
    body: String
  }
`;

export const authSubgraph = /* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes"])

  type User @key(fields: "id") {
    id: ID!
    sessions: [Session!]! @authenticated
  }

  type Session {
    id: ID!
    createdAt: String!
    ip: String @requiresScopes(scopes: [["auth.session.read"]])
  }
`;

export function compose(subgraphs: Record<string, string>): string {
  const result = composeServices(
    Object.entries(subgraphs).map(([name, sdl]) => ({
      name,
      typeDefs: parse(sdl),
      url: `http://${name}.local/graphql`,
    })),
  );
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.supergraphSdl;
}

/** The client API schema of a supergraph the stock gateway accepts, in our graphql-js. */
export function apiSchemaOf(gatewaySupergraphSdl: string): GraphQLSchema {
  return buildSchema(printSchema(Supergraph.build(gatewaySupergraphSdl).apiSchema().toGraphQLJSSchema()));
}

export const supergraphSdl = compose({ identity: identitySubgraph, auth: authSubgraph });
export const { requirements, gatewaySupergraphSdl } = readAuthorization(supergraphSdl);
export const schema = apiSchemaOf(gatewaySupergraphSdl);

/**
 * A hand-written supergraph in the shape Router's own tests use: an interface left unprotected
 * while one implementation is protected (Federation 2.9 composition now copies such
 * requirements onto the interface), a protected scalar, a protected root type, and directives
 * renamed through `@link(as:)` and `import: [{ name, as }]`.
 */
export const handWrittenSupergraphSdl = /* GraphQL */ `
  schema
    @link(url: "https://specs.apollo.dev/link/v1.0")
    @link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "signedIn", for: SECURITY)
    @link(
      url: "https://specs.apollo.dev/requiresScopes/v0.1"
      for: SECURITY
      import: [{ name: "@requiresScopes", as: "@scopes" }]
    ) {
    query: Query
    mutation: Mutation
  }

  directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
  directive @signedIn on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @scopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM

  scalar requiresScopes__Scope
  scalar link__Import
  enum link__Purpose {
    SECURITY
    EXECUTION
  }

  type Query {
    posts: [Post!]!
    post(id: ID!): Post
    secret: Secret
    nodes: [Node]
  }

  type Mutation @signedIn {
    publish(title: String!): Post
  }

  interface Post {
    id: ID!
    title: String!
  }

  type PublicBlog implements Post {
    id: ID!
    title: String!
  }

  type PrivateBlog implements Post @signedIn {
    id: ID!
    title: String!
    summary: String
  }

  scalar Secret @scopes(scopes: [["secret.read"]])

  interface Node {
    id: ID!
    note: String
  }

  type Doc implements Node {
    id: ID!
    note: String @signedIn
  }

  type Pic implements Node {
    id: ID!
    note: String
  }
`;

/** The hand-written supergraph's requirements, and its schema (not a federated one: built as is). */
export const handWritten = (() => {
  const read = readAuthorization(handWrittenSupergraphSdl);
  return { schema: buildSchema(read.gatewaySupergraphSdl), requirements: read.requirements };
})();
