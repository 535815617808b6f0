/**
 * `npm run compose [-- --root <dir>]`: composes the subgraphs of rover.yaml and writes
 * supergraph/supergraph.graphql. Exits 1, printing every error, when composition fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  composeSupergraph,
  federationVersionMismatch,
  formatCompositionError,
  readSupergraphConfig,
  SUPERGRAPH_FILE,
  SupergraphConfigError,
  supergraphFileContents,
} from '../composition/index.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const usage = 'usage: npm run compose -- [--root <dir>]';

let root: string;
try {
  const { values } = parseArgs({ options: { root: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  root = path.resolve(values.root ?? repositoryRoot);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
  process.exit(2);
}

let config;
try {
  config = readSupergraphConfig(root);
} catch (error) {
  if (!(error instanceof SupergraphConfigError)) throw error;
  process.stderr.write(`compose failed: rover.yaml is invalid\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}

const mismatch = federationVersionMismatch(config.federationVersion);
if (mismatch) process.stderr.write(`warning: ${mismatch}\n`);

const result = composeSupergraph(config);
if (result.errors) {
  process.stderr.write(
    `compose failed: ${result.errors.length} composition error(s)\n${result.errors.map((e) => `  ${formatCompositionError(e)}`).join('\n')}\n`,
  );
  process.exit(1);
}

for (const hint of result.hints) process.stderr.write(`hint: ${hint}\n`);
const output = path.join(root, SUPERGRAPH_FILE);
mkdirSync(path.dirname(output), { recursive: true });
writeFileSync(output, supergraphFileContents(result.supergraphSdl));
process.stdout.write(`composed ${config.subgraphs.map((s) => s.name).join(', ')} into ${SUPERGRAPH_FILE}\n`);
