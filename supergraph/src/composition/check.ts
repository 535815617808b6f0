/**
 * `npm run supergraph:check`, as a function: composes rover.yaml and reports, all at once,
 * composition errors, a stale committed supergraph, unacknowledged breaking changes of the
 * API schema against the baseline, and enforced client operations that no longer validate.
 * It returns a report and prints nothing; the CLI prints it and sets the exit code.
 */
import path from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { apiSchemaOf, InvalidSupergraphError } from './api-schema.js';
import { BaselineError, readBaseline, type BaselineSource } from './baseline.js';
import {
  acknowledgementTemplate,
  breakingChanges,
  dangerousChanges,
  matchAcknowledgements,
  readAcknowledgements,
  type Acknowledgement,
  type SchemaChange,
} from './breaking-changes.js';
import {
  composeSupergraph,
  federationVersionMismatch,
  formatCompositionError,
  supergraphFileContents,
} from './compose.js';
import { readSupergraphConfig, SupergraphConfigError, type SupergraphConfig } from './config.js';
import {
  ACKNOWLEDGEMENTS_FILE,
  FileProblemsError,
  normaliseNewlines,
  OPERATIONS_MANIFEST_FILE,
  readFileIfExists,
  SUPERGRAPH_FILE,
} from './files.js';
import { countOperations, formatOperationProblem, readOperationsManifest, validateOperations } from './operations.js';

/** Which check a failure comes from. */
export type CheckName =
  'config' | 'composition' | 'stale' | 'baseline' | 'breaking' | 'acknowledgements' | 'operations';

/** One failure: `message` starts with where (file, file:line:column, or schema coordinate). */
export interface CheckFailure {
  check: CheckName;
  message: string;
}

export interface CheckReport {
  failures: CheckFailure[];
  /** Things worth knowing that do not fail the check (skipped checks, pending operations). */
  notices: string[];
  /** One line per check that passed, for the success summary. */
  passed: string[];
  /** Entries to paste into the acknowledgements file, when breaking changes are unacknowledged. */
  acknowledgementTemplate?: string;
}

export interface CheckOptions {
  /** The repository (or fixture) root holding rover.yaml. */
  root: string;
  /** Where the previous supergraph comes from. */
  baseline: BaselineSource;
}

function firstDifferentLine(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) if (left[i] !== right[i]) return i + 1;
  return length;
}

function checkStaleness(root: string, supergraphSdl: string, report: CheckReport): void {
  const committed = readFileIfExists(path.join(root, SUPERGRAPH_FILE));
  if (committed === null) {
    report.failures.push({
      check: 'stale',
      message: `${SUPERGRAPH_FILE}: missing; run \`npm run compose\` and commit the result`,
    });
    return;
  }
  const expected = supergraphFileContents(supergraphSdl);
  const actual = normaliseNewlines(committed);
  if (actual !== expected) {
    const line = firstDifferentLine(actual, expected);
    report.failures.push({
      check: 'stale',
      message: `${SUPERGRAPH_FILE}:${line}: stale, differs from a fresh composition of rover.yaml (first difference at line ${line}); run \`npm run compose\` and commit the result`,
    });
    return;
  }
  report.passed.push(`${SUPERGRAPH_FILE} is up to date`);
}

function checkBreakingChanges(options: CheckOptions, supergraphSdl: string, report: CheckReport): void {
  let acknowledgements: Acknowledgement[] = [];
  try {
    acknowledgements = readAcknowledgements(options.root);
  } catch (error) {
    if (!(error instanceof FileProblemsError)) throw error;
    for (const problem of error.problems) report.failures.push({ check: 'acknowledgements', message: problem });
  }

  let baseline;
  try {
    baseline = readBaseline(options.root, options.baseline);
  } catch (error) {
    if (!(error instanceof BaselineError)) throw error;
    report.failures.push({ check: 'baseline', message: `${error.message}; breaking changes were not checked` });
    return;
  }
  if (!baseline.found) {
    report.notices.push(`breaking changes not checked: ${baseline.notice}`);
    return;
  }

  let changes: SchemaChange[];
  let dangerous: SchemaChange[];
  try {
    changes = breakingChanges(baseline.sdl, supergraphSdl);
    dangerous = dangerousChanges(baseline.sdl, supergraphSdl);
  } catch (error) {
    if (!(error instanceof InvalidSupergraphError)) throw error;
    report.failures.push({
      check: 'baseline',
      message: `${baseline.origin}: not a valid supergraph: ${error.message}`,
    });
    return;
  }

  const match = matchAcknowledgements(changes, acknowledgements);
  for (const change of match.unacknowledged) {
    report.failures.push({
      check: 'breaking',
      message: `API schema: ${change.type}: ${change.description} (compared with ${baseline.origin}; not acknowledged in ${ACKNOWLEDGEMENTS_FILE})`,
    });
  }
  if (match.unacknowledged.length > 0) report.acknowledgementTemplate = acknowledgementTemplate(match.unacknowledged);
  for (const change of dangerous) {
    report.notices.push(`API schema: possibly dangerous change ${change.type}: ${change.description}`);
  }
  for (const unused of match.unused) {
    report.notices.push(
      `${ACKNOWLEDGEMENTS_FILE}: "${unused.description}" (${unused.type}) matches no breaking change against ${baseline.origin}; remove it once that change has landed`,
    );
  }
  if (match.unacknowledged.length === 0) {
    report.passed.push(
      match.acknowledged.length === 0
        ? `no breaking changes in the API schema against ${baseline.origin}`
        : `${match.acknowledged.length} breaking change(s) against ${baseline.origin}, all acknowledged in ${ACKNOWLEDGEMENTS_FILE}`,
    );
  }
}

function checkOperations(root: string, apiSchema: GraphQLSchema, report: CheckReport): void {
  const manifest = readOperationsManifest(root);
  for (const problem of manifest.problems) report.failures.push({ check: 'operations', message: problem });

  const problems = validateOperations(apiSchema, manifest.enforced);
  for (const problem of problems)
    report.failures.push({ check: 'operations', message: formatOperationProblem(problem) });

  for (const pending of manifest.pending) {
    const today = validateOperations(apiSchema, [pending]).length;
    report.notices.push(
      `pending: ${pending.file} (${countOperations([pending])} operation(s)) is not enforced until ${pending.issue}; ` +
        (today === 0
          ? `it validates now: mark it enforced in ${OPERATIONS_MANIFEST_FILE}`
          : `${today} validation error(s) today`),
    );
  }
  if (problems.length === 0 && manifest.enforced.length > 0) {
    report.passed.push(
      `${countOperations(manifest.enforced)} operations in ${manifest.enforced.length} enforced file(s) validate against the API schema`,
    );
  }
}

/** Runs every check against `options.root` and returns what it found. */
export function checkSupergraph(options: CheckOptions): CheckReport {
  const report: CheckReport = { failures: [], notices: [], passed: [] };

  let config: SupergraphConfig;
  try {
    config = readSupergraphConfig(options.root);
  } catch (error) {
    if (!(error instanceof SupergraphConfigError)) throw error;
    for (const problem of error.problems) report.failures.push({ check: 'config', message: problem });
    report.notices.push('composition, staleness, breaking-change and operation checks skipped: rover.yaml is invalid');
    return report;
  }

  const mismatch = federationVersionMismatch(config.federationVersion);
  if (mismatch) report.notices.push(mismatch);

  const composition = composeSupergraph(config);
  if (composition.errors) {
    for (const error of composition.errors) {
      report.failures.push({ check: 'composition', message: formatCompositionError(error) });
    }
    report.notices.push('staleness, breaking-change and operation checks skipped: they need a composed supergraph');
    return report;
  }
  const names = config.subgraphs.map((s) => s.name).join(', ');
  report.passed.push(`${config.subgraphs.length} subgraph(s) compose (${names})`);

  checkStaleness(options.root, composition.supergraphSdl, report);
  checkBreakingChanges(options, composition.supergraphSdl, report);
  checkOperations(options.root, apiSchemaOf(composition.supergraphSdl), report);
  return report;
}

/** The report as the CLI prints it: notices, then failures (or the success summary). */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const notice of report.notices) lines.push(`notice: ${notice}`);
  if (report.notices.length > 0) lines.push('');
  if (report.failures.length === 0) {
    lines.push('supergraph:check passed');
    for (const passed of report.passed) lines.push(`  ok  ${passed}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`supergraph:check failed: ${report.failures.length} problem(s)`);
  for (const failure of report.failures) lines.push(`  FAIL [${failure.check}] ${failure.message}`);
  if (report.acknowledgementTemplate) {
    lines.push(
      '',
      `If a breaking change is deliberate, acknowledge it in ${ACKNOWLEDGEMENTS_FILE} (replace the TODO with the reason):`,
      report.acknowledgementTemplate.trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}
