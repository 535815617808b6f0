/**
 * knip finds unused files, exports and dependencies across the npm workspaces:
 * `npm run deadcode`, part of `npm test`. knip takes the programs that package.json scripts
 * run as entries (codegen/generate.ts and check.ts, supergraph/src/cli/*.ts, bench/cli.ts,
 * devkit/src/kafka/cli.ts, each service's src/main.ts, authz's src/seed-cli.ts); a script that
 * names a missing file leaves its imports reported as unused files. Listed here are only the
 * entries no script names: what the bench spawns by path, and what loads by folder
 * (migrations, test fixtures). Config hints fail the run, so a stale pattern here fails too.
 */
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  // A type a module uses in its own signatures may be exported for callers' convenience.
  ignoreExportsUsedInFile: { interface: true, type: true },
  ignoreIssues: {
    // Written by codegen: what it exports follows the schemas, not the callers.
    '**/__generated__/**': ['exports', 'types'],
    // Test helpers are a toolbox for tests: an export no test uses today is not dead code.
    '**/test/**': ['exports', 'types'],
  },
  // codegen/codegen.ts names its plugins as strings ('typescript', 'typescript-resolvers', add):
  // @graphql-codegen/cli loads them by name, so no import shows knip they are used.
  ignoreDependencies: ['@graphql-codegen/add', '@graphql-codegen/typescript', '@graphql-codegen/typescript-resolvers'],
  // Not npm packages: the Kafka broker needs a JDK and the Redis tests a redis-server on PATH,
  // which .ci/run (or the developer's machine) installs.
  ignoreBinaries: ['java', 'redis-server'],
  workspaces: {
    '.': {
      entry: [
        // Spawned by path: the load and subscriber drivers, the bench subgraphs, the gateways.
        'bench/{load,subscribers}-driver.ts',
        'bench/subgraphs/start.ts',
        'bench/gateway/main.ts',
        'bench/gateway/gateways/*.ts',
        'migrations/*/*.ts',
        // Run by the image build (deploy/Dockerfile) and the container smoke test (deploy/smoke/run.sh).
        'deploy/src/bundle.ts',
        'deploy/smoke/*.ts',
      ],
      project: ['*.ts', 'codegen/**/*.ts', 'bench/**/*.ts', 'migrations/**/*.ts', 'deploy/**/*.ts'],
    },
    'service-kit': {
      entry: ['test/fixtures/*/migrations/*.ts'],
      project: ['src/**/*.ts', 'test/**/*.ts'],
    },
    devkit: { project: ['src/**/*.ts', 'test/**/*.ts'] },
    gateway: { project: ['src/**/*.ts', 'test/**/*.ts'] },
    supergraph: { project: ['src/**/*.ts', 'test/**/*.ts'] },
    'subgraphs/*': { project: ['src/**/*.ts', 'test/**/*.ts'] },
  },
};

export default config;
