import { ApolloGateway } from '@apollo/gateway';
import { buildSchema, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  combineRequirements,
  readAuthorization,
  UnsupportedAuthorizationFeatureError,
} from '../../src/authorization/requirements.js';
import { compose, gatewaySupergraphSdl, handWrittenSupergraphSdl, requirements, supergraphSdl } from './fixtures.js';

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

describe('readAuthorization: requirements', () => {
  it('reads field requirements from the composed supergraph', () => {
    expect(requirements.fields.get('Query.me')).toEqual({ authenticated: true, scopes: null, policies: null });
    expect(requirements.fields.get('User.email')).toEqual({
      authenticated: false,
      scopes: [['identity.user.admin'], ['identity.user.read']],
      policies: null,
    });
    expect(requirements.fields.get('Mutation.deleteUser')).toEqual({
      authenticated: false,
      scopes: null,
      policies: [['recent_authentication']],
    });
    // From the second subgraph, merged into the same entity.
    expect(requirements.fields.get('User.sessions')).toEqual({ authenticated: true, scopes: null, policies: null });
    expect(requirements.fields.get('Session.ip')?.scopes).toEqual([['auth.session.read']]);
    expect(requirements.fields.has('User.name')).toBe(false);
    expect(requirements.fields.has('Query.publicInfo')).toBe(false);
  });

  it('reads type requirements, and folds a protected type into every field that returns it or belongs to it', () => {
    expect(requirements.types.get('AuditEntry')).toEqual({
      authenticated: false,
      scopes: [['audit.log.read']],
      policies: null,
    });
    expect(requirements.types.get('Draft')?.authenticated).toBe(true);
    expect(requirements.fields.get('AuditEntry.action')?.scopes).toEqual([['audit.log.read']]);
    // Composition (Federation 2.9) copies an implementation's requirement onto its interface.
    expect(requirements.types.get('Entry')?.authenticated).toBe(true);
    expect(requirements.fields.get('Query.entries')?.authenticated).toBe(true);
    expect(requirements.fields.has('Query.posts')).toBe(false);
  });

  it('makes an interface field need what the same field needs on every implementation', () => {
    const { requirements: handWritten } = readAuthorization(handWrittenSupergraphSdl);
    expect(handWritten.fields.get('Node.note')?.authenticated).toBe(true);
    expect(handWritten.fields.has('Pic.note')).toBe(false);
    // An implementation protected at type level protects the interface's fields too.
    expect(handWritten.fields.get('Post.title')?.authenticated).toBe(true);
    expect(handWritten.fields.has('PublicBlog.title')).toBe(false);
    expect(handWritten.interfaceImplementations.get('Post')).toEqual({
      authenticated: true,
      scopes: null,
      policies: null,
    });
    expect(handWritten.interfaceImplementations.has('Node')).toBe(false);
  });

  it('reads directives renamed by @link(as:) and by import aliases', () => {
    const { requirements: handWritten } = readAuthorization(handWrittenSupergraphSdl);
    expect(handWritten.directiveNames).toEqual({ authenticated: 'signedIn', requiresScopes: 'scopes', policy: null });
    expect(handWritten.types.get('Mutation')?.authenticated).toBe(true);
    expect(handWritten.types.get('Secret')?.scopes).toEqual([['secret.read']]);
    expect(handWritten.fields.get('Query.secret')?.scopes).toEqual([['secret.read']]);
  });

  it('follows a subgraph import renamed with as: through composition', () => {
    const renamed = compose({
      accounts: `
        extend schema @link(
          url: "https://specs.apollo.dev/federation/v2.9"
          import: ["@key", { name: "@authenticated", as: "@signedIn" }, { name: "@requiresScopes", as: "@scopes" }]
        )
        type Query {
          me: Account @signedIn
          accounts: [Account!]! @scopes(scopes: [["accounts.read"]])
        }
        type Account @key(fields: "id") {
          id: ID!
          balance: Int @scopes(scopes: [["accounts.balance.read"]])
        }
      `,
    });
    expect(renamed).toContain('@signedIn');
    const { requirements: read, gatewaySupergraphSdl: stripped } = readAuthorization(renamed);
    expect(read.directiveNames.authenticated).toBe('signedIn');
    expect(read.fields.get('Query.me')?.authenticated).toBe(true);
    expect(read.fields.get('Query.accounts')?.scopes).toEqual([['accounts.read']]);
    expect(read.fields.get('Account.balance')?.scopes).toEqual([['accounts.balance.read']]);
    expect(stripped).not.toMatch(/signedIn|@scopes|requiresScopes|authenticated/);
  });

  it('keeps the AND of a shared field protected differently in two subgraphs', () => {
    const shared = (scopes: string) => `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@requiresScopes"])
      type Query { product: Product @shareable }
      type Product @key(fields: "id") {
        id: ID!
        price: Int @shareable @requiresScopes(scopes: ${scopes})
      }
    `;
    const { requirements: read } = readAuthorization(
      compose({
        a: shared('[["shop.price.read", "shop.read"], ["shop.admin"]]'),
        b: shared('[["shop.admin"]]'),
      }),
    );
    // (price.read AND read AND admin) OR admin: the admin set alone subsumes the other.
    expect(read.fields.get('Product.price')?.scopes).toEqual([['shop.admin']]);
  });

  it('names every policy and scope the schema uses', () => {
    expect([...requirements.policyNames]).toEqual(['recent_authentication']);
    expect([...requirements.scopeNames].sort()).toEqual([
      'audit.log.read',
      'auth.session.read',
      'authz.role.read',
      'identity.user.admin',
      'identity.user.read',
    ]);
  });

  it('refuses a version of a security feature it does not implement, rather than ignore it', () => {
    const future = handWrittenSupergraphSdl.replace('authenticated/v0.1', 'authenticated/v0.2');
    expect(() => readAuthorization(future)).toThrow(UnsupportedAuthorizationFeatureError);
  });

  it('returns a supergraph without security features as it is, with no requirements', () => {
    const plain = compose({
      shop: `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
        type Query { hello: String }
      `,
    });
    const { requirements: read, gatewaySupergraphSdl: same } = readAuthorization(plain);
    expect(same).toBe(plain);
    expect(read.fields.size + read.types.size).toBe(0);
  });
});

describe('readAuthorization: the supergraph for stock @apollo/gateway', () => {
  it('drops the security links, directive definitions, usages and their scalars', () => {
    expect(supergraphSdl).toMatch(/for: SECURITY/);
    expect(gatewaySupergraphSdl).not.toMatch(/SECURITY\)|@authenticated|@requiresScopes|@policy\b/);
    expect(gatewaySupergraphSdl).not.toMatch(/requiresScopes__Scope|policy__Policy/);
    // Everything else is kept.
    expect(gatewaySupergraphSdl).toMatch(/@link\(url: "https:\/\/specs.apollo.dev\/join\/v0.5", for: EXECUTION\)/);
    expect(gatewaySupergraphSdl).toMatch(/@join__field\(graph: AUTH\)/);
    expect(print(parse(gatewaySupergraphSdl))).toBe(gatewaySupergraphSdl);
  });

  it('is loaded by the stock gateway, which refuses the original', async () => {
    await expect(new ApolloGateway({ supergraphSdl, logger: silentLogger }).load()).rejects.toThrow(
      /feature https:\/\/specs.apollo.dev\/authenticated\/v0.1 is for: SECURITY but is unsupported/,
    );

    const gateway = new ApolloGateway({ supergraphSdl: gatewaySupergraphSdl, logger: silentLogger });
    const { schema } = await gateway.load();
    try {
      expect(schema.getQueryType()?.getFields().me).toBeDefined();
      expect(schema.getType('SearchResult')).toBeDefined();
      // The API schema keeps no trace of the feature.
      expect(schema.getType('requiresScopes__Scope')).toBeUndefined();
    } finally {
      await gateway.stop();
    }
  });

  it('strips a hand-written supergraph with renamed directives into valid SDL', () => {
    const { gatewaySupergraphSdl: stripped } = readAuthorization(handWrittenSupergraphSdl);
    expect(stripped).not.toMatch(/signedIn|@scopes|requiresScopes/);
    expect(() => buildSchema(stripped)).not.toThrow();
  });
});

describe('combineRequirements', () => {
  it('distributes OR-of-ANDs and drops sets that contain another', () => {
    const combined = combineRequirements(
      { authenticated: false, scopes: [['a'], ['b', 'c']], policies: null },
      { authenticated: true, scopes: [['a'], ['d']], policies: [['p']] },
    );
    expect(combined).toEqual({
      authenticated: true,
      scopes: [['a'], ['b', 'c', 'd']],
      policies: [['p']],
    });
  });
});
