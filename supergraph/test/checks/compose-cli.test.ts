/** `npm run compose` end to end: the real CLI against throwaway repositories. */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiSchemaOf, GENERATED_HEADER } from '../../src/composition/index.js';
import { authSchema, createFixtureRepo, runCli, type FixtureRepo } from './fixture.js';

let repo: FixtureRepo;

beforeEach(async () => {
  repo = await createFixtureRepo();
  await rm(path.join(repo.root, 'supergraph/supergraph.graphql'));
});

afterEach(async () => {
  await repo.remove();
});

describe('npm run compose', () => {
  it('writes supergraph/supergraph.graphql under a one-line generated-by header', async () => {
    const result = await runCli('compose', ['--root', repo.root]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('composed identity, auth into supergraph/supergraph.graphql');
    const written = await repo.read('supergraph/supergraph.graphql');
    expect(written.split('\n')[0]).toBe(GENERATED_HEADER);
    expect(GENERATED_HEADER).toMatch(/^# .*npm run compose/);
    expect(written).toContain('@join__graph(name: "auth", url: "http://localhost:4002/graphql")');
  });

  it('writes a file that loads as a supergraph despite the header', async () => {
    await runCli('compose', ['--root', repo.root]);
    const written = await repo.read('supergraph/supergraph.graphql');

    expect(() => parse(written)).not.toThrow();
    expect(
      Supergraph.build(written)
        .subgraphsMetadata()
        .map((s) => s.name),
    ).toEqual(['auth', 'identity']);
    expect(apiSchemaOf(written).getQueryType()?.getFields()).toHaveProperty('me');
  });

  it('exits 1 and writes nothing when composition fails, naming the schema file of each error', async () => {
    await repo.write(
      'subgraphs/auth/schema.graphql',
      authSchema.replace('type Session {', 'type Session {\n  id: ID\n'),
    );

    const result = await runCli('compose', ['--root', repo.root]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('compose failed: 1 composition error(s)');
    expect(result.stderr).toContain(
      'subgraphs/auth/schema.graphql: INVALID_GRAPHQL: [auth] Field id already exists on Session',
    );
    await expect(repo.read('supergraph/supergraph.graphql')).rejects.toThrow(/ENOENT/);
  });

  it('exits 1 naming the rover.yaml key and the path of a schema file that cannot be read', async () => {
    await rm(path.join(repo.root, 'subgraphs/auth/schema.graphql'));

    const result = await runCli('compose', ['--root', repo.root]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('compose failed: rover.yaml is invalid');
    expect(result.stderr).toContain(
      `rover.yaml: subgraphs.auth.schema.file: cannot read ./subgraphs/auth/schema.graphql (${path.join(repo.root, 'subgraphs/auth/schema.graphql')}): no such file`,
    );
  });
});
