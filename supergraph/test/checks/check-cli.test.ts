/**
 * `npm run supergraph:check` end to end: the real CLI against throwaway repositories, one
 * failure case at a time, then all at once.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authSchema,
  createFixtureRepo,
  git,
  identityOperations,
  identitySchema,
  runCli,
  type FixtureRepo,
} from './fixture.js';

let repo: FixtureRepo;

beforeEach(async () => {
  repo = await createFixtureRepo();
});

afterEach(async () => {
  await repo.remove();
});

const check = (...extra: string[]) =>
  runCli('check', ['--root', repo.root, '--base-file', repo.baselineFile, ...extra]);

const withoutName = identitySchema.replace('  name: String!\n', '');

/** Removes User.name from identity's schema and from the operation that selects it, and recomposes. */
async function removeUserNameAndRecompose() {
  await repo.write('subgraphs/identity/schema.graphql', withoutName);
  await repo.write('supergraph/operations/identity.graphql', identityOperations.replace('    name\n', ''));
  await runCli('compose', ['--root', repo.root]);
}

/** Acknowledges that removal in supergraph/breaking-changes.yaml, with `reason`. */
const acknowledgeUserNameRemoval = (reason: string) =>
  repo.write(
    'supergraph/breaking-changes.yaml',
    `- type: FIELD_REMOVED\n  description: User.name was removed.\n  reason: ${reason}\n`,
  );

/** Makes the fixture a git repository with everything in its first commit. */
async function commitEverything() {
  await git(repo.root, ['init', '--quiet']);
  await git(repo.root, ['add', '.']);
  await git(repo.root, ['commit', '--quiet', '-m', 'first supergraph']);
}

describe('npm run supergraph:check', () => {
  it('passes a clean repository and prints a short summary', async () => {
    const result = await check();

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('supergraph:check passed');
    expect(result.stdout).toContain('2 subgraph(s) compose (identity, auth)');
    expect(result.stdout).toContain('supergraph/supergraph.graphql is up to date');
    expect(result.stdout).toContain('no breaking changes in the API schema');
    expect(result.stdout).toContain('3 operations in 2 enforced file(s) validate');
  });

  it('prints pending operation files as a notice without failing', async () => {
    const result = await check();

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /notice: pending: supergraph\/operations\/audit\.graphql \(1 operation\(s\)\) is not enforced until #42 \(audit subgraph\)/,
    );
  });

  it('fails on a composition error, naming the schema file, line, subgraph and code', async () => {
    await repo.write('subgraphs/auth/schema.graphql', authSchema.replace('[Session!]!', '[Sesion!]!'));

    const result = await check();

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FAIL [composition] subgraphs/auth/schema.graphql:5:14: INVALID_GRAPHQL: [auth]');
    expect(result.stderr).toContain('Unknown type Sesion');
    expect(result.stderr).toContain('they need a composed supergraph');
  });

  it('fails on a syntax error in a schema file, naming the file and line', async () => {
    await repo.write('subgraphs/identity/schema.graphql', `${identitySchema}\ntype Broken {\n`);

    const result = await check();

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /FAIL \[composition\] subgraphs\/identity\/schema\.graphql:14:1: INVALID_GRAPHQL: \[identity\] Syntax Error/,
    );
  });

  it('fails when the committed supergraph is stale and says to run npm run compose', async () => {
    // A new field is not a breaking change: only the staleness check should fail.
    await repo.write(
      'subgraphs/identity/schema.graphql',
      identitySchema.replace('name: String!', 'name: String!\n  locale: String'),
    );

    const result = await check();

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FAIL \[stale\] supergraph\/supergraph\.graphql:\d+: stale/);
    expect(result.stderr).toContain('run `npm run compose`');
    expect(result.stderr).toContain('1 problem(s)');
  });

  it('fails when the supergraph was never composed and says to run npm run compose', async () => {
    await rm(path.join(repo.root, 'supergraph/supergraph.graphql'));

    const result = await check();

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FAIL [stale] supergraph/supergraph.graphql: missing; run `npm run compose`');
  });

  it('fails on an unacknowledged breaking change and prints the entry that would acknowledge it', async () => {
    // Commit the new supergraph so that only the breaking change against the baseline fails.
    await removeUserNameAndRecompose();

    const result = await check();

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FAIL [breaking] API schema: FIELD_REMOVED: User.name was removed.');
    expect(result.stderr).toContain('not acknowledged in supergraph/breaking-changes.yaml');
    expect(result.stderr).toContain('- type: FIELD_REMOVED\n  description: User.name was removed.\n');
    expect(result.stderr).toContain('1 problem(s)');
  });

  it('passes a breaking change acknowledged in supergraph/breaking-changes.yaml with a reason', async () => {
    await removeUserNameAndRecompose();
    await acknowledgeUserNameRemoval('Deprecated for six months; no client selects it.');

    const result = await check();

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 breaking change(s) against');
    expect(result.stdout).toContain('all acknowledged in supergraph/breaking-changes.yaml');
  });

  it('does not accept an acknowledgement whose reason is still the TODO template', async () => {
    await removeUserNameAndRecompose();
    await acknowledgeUserNameRemoval('"TODO: who is affected"');

    const result = await check();

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'FAIL [acknowledgements] supergraph/breaking-changes.yaml: entry 1: `reason` must say why this breaking change is acceptable',
    );
    expect(result.stderr).toContain('FAIL [breaking] API schema: FIELD_REMOVED: User.name was removed.');
  });

  it('fails when an enforced operation no longer validates, naming file, operation and line:column', async () => {
    await repo.write(
      'supergraph/operations/identity.graphql',
      identityOperations.replace('    name\n', '    nickname\n'),
    );

    const result = await check();

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'FAIL [operations] supergraph/operations/identity.graphql:5:5 (Me): Cannot query field "nickname" on type "User".',
    );
  });

  it('fails when an operation file of the folder is not listed in the manifest', async () => {
    await repo.write('supergraph/operations/extra.graphql', 'query Extra {\n  me {\n    id\n  }\n}\n');

    const result = await check();

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'FAIL [operations] supergraph/operations/extra.graphql: not listed in supergraph/operations/manifest.yaml',
    );
  });

  it('reports every failure found in one run, not only the first', async () => {
    // Removing User.name: stale (not recomposed), breaking (not acknowledged), Me selects it.
    await repo.write('subgraphs/identity/schema.graphql', withoutName);

    const result = await check();

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('3 problem(s)');
    expect(result.stderr).toContain('FAIL [stale]');
    expect(result.stderr).toContain('FAIL [breaking] API schema: FIELD_REMOVED: User.name was removed.');
    expect(result.stderr).toContain('FAIL [operations] supergraph/operations/identity.graphql:5:5 (Me)');
  });

  it('fails on a --base-file that does not exist', async () => {
    const result = await runCli('check', ['--root', repo.root, '--base-file', `${repo.root}/nowhere.graphql`]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FAIL [baseline] --base-file');
    expect(result.stderr).toContain('no such file');
  });

  it('rejects --base together with --base-file as a usage error', async () => {
    const result = await check('--base', 'HEAD');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: npm run supergraph:check');
  });
});

describe('npm run supergraph:check against a git baseline', () => {
  it('skips the breaking-change check with a notice when the repository has no commits yet', async () => {
    await git(repo.root, ['init', '--quiet']);

    const result = await runCli('check', ['--root', repo.root]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('notice: breaking changes not checked: HEAD does not exist yet');
  });

  it('skips the breaking-change check with a notice when the base commit has no supergraph yet', async () => {
    await git(repo.root, ['init', '--quiet']);
    await git(repo.root, ['add', 'rover.yaml']);
    await git(repo.root, ['commit', '--quiet', '-m', 'rover.yaml only']);

    const result = await runCli('check', ['--root', repo.root]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /notice: breaking changes not checked: supergraph\/supergraph\.graphql does not exist at HEAD/,
    );
  });

  it('compares with the supergraph committed at HEAD by default', async () => {
    await commitEverything();
    await removeUserNameAndRecompose();

    const result = await runCli('check', ['--root', repo.root]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /FAIL \[breaking\] API schema: FIELD_REMOVED: User\.name was removed\. \(compared with HEAD \([0-9a-f]{12}\):supergraph\/supergraph\.graphql/,
    );
  });

  it('takes the base ref from SUPERGRAPH_BASE_REF, as CI sets it to the pull request base', async () => {
    await commitEverything();
    const base = (await git(repo.root, ['rev-parse', 'HEAD'])).trim();
    await removeUserNameAndRecompose();
    await git(repo.root, ['commit', '--quiet', '-am', 'remove User.name']);

    const againstHead = await runCli('check', ['--root', repo.root]);
    const againstBase = await runCli('check', ['--root', repo.root], { SUPERGRAPH_BASE_REF: base });

    expect(againstHead.code).toBe(0);
    expect(againstBase.code).toBe(1);
    expect(againstBase.stderr).toContain(
      `FAIL [breaking] API schema: FIELD_REMOVED: User.name was removed. (compared with ${base}`,
    );
  });

  it('fails when an explicitly requested base ref does not exist, rather than skipping silently', async () => {
    await commitEverything();

    const result = await runCli('check', ['--root', repo.root, '--base', 'no-such-branch']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FAIL [baseline] base ref no-such-branch is not a commit of this repository');
    expect(result.stderr).toContain('fetch-depth: 0');
  });
});
