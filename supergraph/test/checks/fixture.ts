/**
 * Small throwaway repositories for the composition checks: rover.yaml, two tiny subgraphs,
 * an operations manifest, an acknowledgements file and a committed supergraph, in a temp
 * folder; plus a runner for the real CLIs against them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { composeSupergraph, readSupergraphConfig, supergraphFileContents } from '../../src/composition/index.js';

const run = promisify(execFile);
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const identitySchema = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

type Query {
  me: User
}

type User @key(fields: "id") {
  id: ID!
  email: String!
  name: String!
}
`;

export const authSchema = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

type User @key(fields: "id") {
  id: ID!
  sessions: [Session!]!
}

type Session {
  id: ID!
  userAgent: String
}

type Mutation {
  logout(refreshToken: String!): Boolean!
}
`;

const roverYaml = `federation_version: =2.14.4
subgraphs:
  identity:
    routing_url: http://localhost:4001/graphql
    schema:
      file: ./subgraphs/identity/schema.graphql
  auth:
    routing_url: http://localhost:4002/graphql
    schema:
      file: ./subgraphs/auth/schema.graphql
`;

const manifestYaml = `files:
  - file: identity.graphql
    status: enforced
  - file: auth.graphql
    status: enforced
  - file: audit.graphql
    status: pending
    issue: '#42 (audit subgraph)'
`;

export const identityOperations = `query Me {
  me {
    id
    email
    name
  }
}
`;

const authOperations = `query MySessions {
  me {
    id
    sessions {
      id
      userAgent
    }
  }
}

mutation Logout($refreshToken: String!) {
  logout(refreshToken: $refreshToken)
}
`;

const auditOperations = `query AuditLogs {
  auditLogs {
    id
  }
}
`;

export interface FixtureRepo {
  root: string;
  /** A copy of the committed supergraph, usable as `--base-file`. */
  baselineFile: string;
  write(file: string, content: string): Promise<void>;
  read(file: string): Promise<string>;
  remove(): Promise<void>;
}

/** Composes the fixture's rover.yaml with the pure functions and returns the file to commit. */
export function composedFile(root: string): string {
  const result = composeSupergraph(readSupergraphConfig(root));
  if (result.errors) throw new Error(`fixture does not compose: ${JSON.stringify(result.errors)}`);
  return supergraphFileContents(result.supergraphSdl);
}

/**
 * A repository whose checks all pass: composed and committed supergraph, baseline equal to
 * it, empty acknowledgements, two enforced operation files and one pending.
 */
export async function createFixtureRepo(): Promise<FixtureRepo> {
  const root = await mkdtemp(path.join(tmpdir(), 'supergraph-check-'));
  const write = async (file: string, content: string) => {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  };
  await write('rover.yaml', roverYaml);
  await write('subgraphs/identity/schema.graphql', identitySchema);
  await write('subgraphs/auth/schema.graphql', authSchema);
  await write('supergraph/operations/manifest.yaml', manifestYaml);
  await write('supergraph/operations/identity.graphql', identityOperations);
  await write('supergraph/operations/auth.graphql', authOperations);
  await write('supergraph/operations/audit.graphql', auditOperations);
  await write('supergraph/breaking-changes.yaml', '# Acknowledged breaking changes.\n[]\n');
  const supergraph = composedFile(root);
  await write('supergraph/supergraph.graphql', supergraph);
  await write('baseline.graphql', supergraph);
  return {
    root,
    baselineFile: path.join(root, 'baseline.graphql'),
    write,
    read: (file) => readFile(path.join(root, file), 'utf8'),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions that do not care which. */
  output: string;
}

/** Runs `node --import tsx supergraph/src/cli/<cli>.ts ...args` from the repository root. */
export async function runCli(
  cli: 'check' | 'compose',
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const script = path.join('supergraph', 'src', 'cli', `${cli}.ts`);
  const environment = { ...process.env, SUPERGRAPH_BASE_REF: undefined, ...env };
  try {
    const { stdout, stderr } = await run('node', ['--import', 'tsx', script, ...args], {
      cwd: repositoryRoot,
      env: environment,
    });
    return { code: 0, stdout, stderr, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    const stdout = failed.stdout ?? '';
    const stderr = failed.stderr ?? '';
    return { code: failed.code, stdout, stderr, output: stdout + stderr };
  }
}

/** Runs git in `cwd` with a fixed identity, so commits work without a global git config. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=Check Test', '-c', 'user.email=check@example.invalid', '-c', 'commit.gpgsign=false', ...args],
    { cwd },
  );
  return stdout;
}
