/**
 * `npm run supergraph:check [-- --root <dir>] [--base <git-ref> | --base-file <path>]`:
 * fails (exit 1) on a composition error, a stale supergraph/supergraph.graphql, an
 * unacknowledged breaking change of the API schema against the baseline, or an enforced
 * client operation that no longer validates, reporting every failure found.
 *
 * The baseline is `git show <ref>:supergraph/supergraph.graphql` with `<ref>` from `--base`,
 * else the SUPERGRAPH_BASE_REF environment variable, else HEAD; or the file of `--base-file`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkSupergraph, formatCheckReport, type BaselineSource } from '../composition/index.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const usage = 'usage: npm run supergraph:check -- [--root <dir>] [--base <git-ref> | --base-file <path>]';

let root: string;
let baseline: BaselineSource;
try {
  const { values } = parseArgs({
    options: {
      root: { type: 'string' },
      base: { type: 'string' },
      'base-file': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if (values.base !== undefined && values['base-file'] !== undefined) {
    throw new Error('--base and --base-file are mutually exclusive');
  }
  root = path.resolve(values.root ?? repositoryRoot);
  const fromEnvironment = process.env.SUPERGRAPH_BASE_REF?.trim() || undefined;
  const ref = values.base ?? fromEnvironment;
  baseline =
    values['base-file'] !== undefined
      ? { kind: 'file', file: values['base-file'] }
      : { kind: 'git', ref: ref ?? 'HEAD', explicit: ref !== undefined };
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
  process.exit(2);
}

const report = checkSupergraph({ root, baseline });
const output = formatCheckReport(report);
if (report.failures.length > 0) {
  process.stderr.write(output);
  process.exitCode = 1;
} else {
  process.stdout.write(output);
}
