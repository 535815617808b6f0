import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// Node resolves `graphql` to its CommonJS build for everyone (graphql 16 has no exports
// map), so our code and Apollo's CommonJS packages share one copy. Vite would pick the
// .mjs build for our code and create a second copy; pin it to what Node uses.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    // Tests build stock ApolloGateway instances too: never let them report telemetry.
    env: { APOLLO_TELEMETRY_DISABLED: 'true' },
    include: ['**/*.test.ts'],
    // .cache holds the container build's copy of the sources (npm run test:containers).
    exclude: ['**/node_modules/**', '.data/**', '.cache/**', '.bench/**'],
    globalSetup: ['./vitest.global-setup.ts'],
    // Integration tests start real servers; two cores run two files at a time.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    // CI reads the pass/fail counts from vitest's own JSON report (see .ci/run).
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    ...(process.env.VITEST_JSON_REPORT ? { outputFile: { json: process.env.VITEST_JSON_REPORT } } : {}),
    hookTimeout: 60_000,
  },
});
