/** The pure composition functions: config, composition, API schema, breaking changes, operations. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  apiSchemaOf,
  breakingChanges,
  composeSupergraph,
  matchAcknowledgements,
  parseAcknowledgements,
  readAcknowledgements,
  readOperationsManifest,
  readSupergraphConfig,
  SupergraphConfigError,
  validateOperations,
  type SupergraphConfig,
} from '../../src/composition/index.js';
import { authSchema, createFixtureRepo, identitySchema, type FixtureRepo } from './fixture.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let repo: FixtureRepo;

beforeEach(async () => {
  repo = await createFixtureRepo();
});

afterEach(async () => {
  await repo.remove();
});

function configOf(identity: string, auth = authSchema): SupergraphConfig {
  return {
    root: '/fixture',
    federationVersion: '=2.14.4',
    subgraphs: [
      {
        name: 'identity',
        routingUrl: 'http://identity/graphql',
        schemaFile: 'identity.graphql',
        schemaPath: '',
        sdl: identity,
      },
      { name: 'auth', routingUrl: 'http://auth/graphql', schemaFile: 'auth.graphql', schemaPath: '', sdl: auth },
    ],
  };
}

function supergraphOf(identity: string): string {
  const result = composeSupergraph(configOf(identity));
  if (!result.supergraphSdl) throw new Error(JSON.stringify(result.errors));
  return result.supergraphSdl;
}

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof SupergraphConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('readSupergraphConfig', () => {
  it('reads every subgraph of rover.yaml with its routing url and schema text', () => {
    const config = readSupergraphConfig(repo.root);

    expect(config.federationVersion).toBe('=2.14.4');
    expect(config.subgraphs.map((s) => [s.name, s.routingUrl, s.schemaFile])).toEqual([
      ['identity', 'http://localhost:4001/graphql', 'subgraphs/identity/schema.graphql'],
      ['auth', 'http://localhost:4002/graphql', 'subgraphs/auth/schema.graphql'],
    ]);
    expect(config.subgraphs[0]?.sdl).toBe(identitySchema);
  });

  it('says rover.yaml is missing, and where it looked', () => {
    expect(problemsOf(() => readSupergraphConfig(path.join(repo.root, 'nowhere')))).toEqual([
      `rover.yaml: not found in ${path.join(repo.root, 'nowhere')}`,
    ]);
  });

  it('reports a missing schema.file and a missing routing_url at once', async () => {
    await repo.write(
      'rover.yaml',
      'federation_version: =2.14.4\nsubgraphs:\n  identity:\n    schema:\n      file: ./subgraphs/identity/schema.graphql\n  auth:\n    routing_url: http://localhost:4002/graphql\n    schema:\n      subgraph_url: http://localhost:4002/graphql\n',
    );

    expect(problemsOf(() => readSupergraphConfig(repo.root))).toEqual([
      'rover.yaml: subgraphs.identity.routing_url: must be an absolute URL (found null)',
      'rover.yaml: subgraphs.auth.schema.file: missing; composition runs offline, so every subgraph needs a local schema file (found schema.subgraph_url, which needs the network)',
    ]);
  });

  it('names the line of a YAML syntax error in rover.yaml', async () => {
    await repo.write('rover.yaml', 'federation_version: =2.14.4\nsubgraphs:\n  identity: [\n');

    expect(problemsOf(() => readSupergraphConfig(repo.root))[0]).toMatch(/^rover\.yaml:4:1: invalid YAML: /);
  });
});

describe('composeSupergraph', () => {
  it('composes the subgraphs into a supergraph SDL', () => {
    const result = composeSupergraph(configOf(identitySchema));

    expect(result.errors).toBeUndefined();
    expect(result.supergraphSdl).toContain('join__Graph');
  });

  it('names the file and line of a parse error in a schema file', () => {
    const result = composeSupergraph(configOf(identitySchema, 'type Query {\n  broken(\n}\n'));

    expect(result.errors).toEqual([
      {
        code: 'INVALID_GRAPHQL',
        message: '[auth] Syntax Error: Expected Name, found "}".',
        subgraph: 'auth',
        file: 'auth.graphql',
        locations: [{ file: 'auth.graphql', line: 3, column: 1 }],
      },
    ]);
  });

  it('attributes a composition error to its subgraphs and schema locations', () => {
    const result = composeSupergraph(
      configOf(identitySchema, authSchema.replace('  id: ID!\n  sessions', '  id: ID!\n  email: Int\n  sessions')),
    );

    const mismatch = result.errors?.find((e) => e.code === 'FIELD_TYPE_MISMATCH');
    expect(mismatch?.message).toContain('Type of field "User.email" is incompatible across subgraphs');
    expect(mismatch?.locations?.map((l) => l.file).sort()).toEqual(['auth.graphql', 'identity.graphql']);
  });
});

describe('apiSchemaOf', () => {
  it('hides the federation machinery from clients', () => {
    const schema = apiSchemaOf(supergraphOf(identitySchema));

    expect(schema.getType('User')).toBeDefined();
    expect(schema.getType('join__Graph')).toBeUndefined();
    expect(schema.getDirective('join__type')).toBeUndefined();
  });
});

describe('breakingChanges', () => {
  it('finds nothing between identical supergraphs', () => {
    const sdl = supergraphOf(identitySchema);
    expect(breakingChanges(sdl, sdl)).toEqual([]);
  });

  it('reports a removed field and a field made nullable as graphql-js describes them', () => {
    const previous = supergraphOf(identitySchema);
    const next = supergraphOf(
      identitySchema.replace('  name: String!\n', '').replace('email: String!', 'email: String'),
    );

    expect(breakingChanges(previous, next)).toEqual([
      { type: 'FIELD_REMOVED', description: 'User.name was removed.' },
      { type: 'FIELD_CHANGED_KIND', description: 'User.email changed type from String! to String.' },
    ]);
  });

  it('does not count an added field as breaking', () => {
    const previous = supergraphOf(identitySchema);
    const next = supergraphOf(identitySchema.replace('name: String!', 'name: String!\n  locale: String'));

    expect(breakingChanges(previous, next)).toEqual([]);
  });
});

describe('acknowledgements', () => {
  const removed = { type: 'FIELD_REMOVED', description: 'User.name was removed.' };

  it('matches breaking changes by type and description and lists unused entries', () => {
    const acknowledgement = { ...removed, reason: 'nobody selects it' };
    const stale = { type: 'TYPE_REMOVED', description: 'Gone was removed.', reason: 'landed last month' };
    const other = { type: 'FIELD_REMOVED', description: 'User.email was removed.' };

    expect(matchAcknowledgements([removed, other], [acknowledgement, stale])).toEqual({
      unacknowledged: [other],
      acknowledged: [acknowledgement],
      unused: [stale],
    });
  });

  it('rejects entries without a reason or with an unknown change type, naming each entry', () => {
    const text =
      '- type: FIELD_REMOVED\n  description: User.name was removed.\n- type: FIELD_RENAMED\n  description: x\n  reason: y\n';

    expect(() => parseAcknowledgements(text)).toThrow(
      /entry 1: `reason` must say why[\s\S]*entry 2: `type` must be a graphql-js BreakingChangeType/,
    );
  });

  it('reads an empty list as no acknowledgements', () => {
    expect(parseAcknowledgements('# nothing yet\n[]\n')).toEqual([]);
  });

  it("keeps the repository's acknowledgements file valid", () => {
    expect(() => readAcknowledgements(repositoryRoot)).not.toThrow();
  });
});

describe('validateOperations', () => {
  const schema = () => apiSchemaOf(supergraphOf(identitySchema));

  it('accepts operations the API schema serves', () => {
    expect(
      validateOperations(schema(), [{ file: 'ok.graphql', source: 'query Me {\n  me {\n    id\n  }\n}\n' }]),
    ).toEqual([]);
  });

  it('reports file, operation name and line:column of each validation error', () => {
    const source =
      'query Me {\n  me {\n    id\n  }\n}\n\nmutation Rename($name: String!) {\n  rename(name: $name)\n}\n';

    expect(validateOperations(schema(), [{ file: 'ops.graphql', source }])).toEqual([
      {
        file: 'ops.graphql',
        operation: 'Rename',
        line: 8,
        column: 3,
        message: 'Cannot query field "rename" on type "Mutation".',
      },
    ]);
  });

  it('reports a syntax error in an operation file with its line:column', () => {
    expect(validateOperations(schema(), [{ file: 'bad.graphql', source: 'query Me {\n  me {\n' }])).toEqual([
      { file: 'bad.graphql', line: 3, column: 1, message: 'Syntax Error: Expected Name, found <EOF>.' },
    ]);
  });

  it('reports an operation name used in two files', () => {
    const me = 'query Me {\n  me {\n    id\n  }\n}\n';

    expect(
      validateOperations(schema(), [
        { file: 'a.graphql', source: me },
        { file: 'b.graphql', source: `\n${me}` },
      ]),
    ).toEqual([
      {
        file: 'b.graphql',
        operation: 'Me',
        line: 2,
        column: 1,
        message:
          'Operation name "Me" is already used at a.graphql:1:1; operation names must be unique across the manifest.',
      },
    ]);
  });
});

describe('readOperationsManifest', () => {
  it('splits enforced and pending files', () => {
    const manifest = readOperationsManifest(repo.root);

    expect(manifest.problems).toEqual([]);
    expect(manifest.enforced.map((f) => f.file)).toEqual([
      'supergraph/operations/identity.graphql',
      'supergraph/operations/auth.graphql',
    ]);
    expect(manifest.pending).toMatchObject([
      { file: 'supergraph/operations/audit.graphql', issue: '#42 (audit subgraph)' },
    ]);
  });

  it('requires the issue of a pending file and reports listed files that do not exist', async () => {
    await repo.write(
      'supergraph/operations/manifest.yaml',
      'files:\n  - file: identity.graphql\n    status: enforced\n  - file: auth.graphql\n    status: pending\n  - file: gone.graphql\n    status: enforced\n  - file: audit.graphql\n    status: pending\n    issue: "#42"\n',
    );

    expect(readOperationsManifest(repo.root).problems).toEqual([
      'supergraph/operations/manifest.yaml: files[1] (auth.graphql): a pending file needs `issue`, the issue that will enforce it',
      'supergraph/operations/manifest.yaml: files[2]: supergraph/operations/gone.graphql does not exist',
    ]);
  });

  it("keeps the repository's manifest in step with its operation files: every contract file enforced", () => {
    const manifest = readOperationsManifest(repositoryRoot);

    expect(manifest.problems).toEqual([]);
    expect(manifest.enforced.map((f) => path.basename(f.file))).toEqual([
      'identity.graphql',
      'auth.graphql',
      'authz.graphql',
      'audit.graphql',
      'ticketing.graphql',
      'discovery.graphql',
      'finance.graphql',
      'content.graphql',
    ]);
    expect(manifest.pending).toEqual([]);
  });
});
