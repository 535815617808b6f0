/**
 * knip finds unused files, exports and dependencies across the npm workspaces:
 * `npm run deadcode`. Entries that scripts and package `exports` do not name are listed
 * here: migrations and test fixtures load by folder, the bench builds its gateways by path.
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
  workspaces: {
    '.': {
      entry: [
        'codegen/{check,generate-modules}.ts',
        'bench/gateway/main.ts',
        'bench/gateway/gateways/*.ts',
        'migrations/*/*.ts',
      ],
      project: ['*.ts', 'codegen/**/*.ts', 'bench/**/*.ts', 'migrations/**/*.ts'],
    },
    'service-kit': {
      entry: ['test/fixtures/*/migrations/*.ts'],
      project: ['src/**/*.ts', 'test/**/*.ts'],
    },
    devkit: { project: ['src/**/*.ts', 'test/**/*.ts'] },
    gateway: { project: ['src/**/*.ts', 'test/**/*.ts'] },
    supergraph: {
      entry: ['src/cli/*.ts'],
      project: ['src/**/*.ts', 'test/**/*.ts'],
    },
    'subgraphs/*': { project: ['src/**/*.ts', 'test/**/*.ts'] },
  },
};

export default config;
