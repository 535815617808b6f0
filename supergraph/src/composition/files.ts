/**
 * Small file helpers shared by the composition checks: repository-relative display paths,
 * reading YAML with errors that name the file, line and column, and the well-known paths of
 * the files the checks read and write.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';

/** rover's supergraph config: the single list of subgraphs. */
export const ROVER_CONFIG_FILE = 'rover.yaml';
/** The composed supergraph, committed and loaded by the gateway. */
export const SUPERGRAPH_FILE = 'supergraph/supergraph.graphql';
/** Reviewed acknowledgements of deliberate breaking changes of the API schema. */
export const ACKNOWLEDGEMENTS_FILE = 'supergraph/breaking-changes.yaml';
/** The client operations manifest: operation files and which of them are enforced. */
export const OPERATIONS_DIR = 'supergraph/operations';
export const OPERATIONS_MANIFEST_FILE = `${OPERATIONS_DIR}/manifest.yaml`;

/** A path relative to `root` with forward slashes, as people read it in messages. */
export function displayPath(root: string, absolutePath: string): string {
  return path.relative(root, absolutePath).split(path.sep).join('/');
}

/** Normalises line endings so a checkout with CRLF does not look different from LF. */
export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** What went wrong reading a file, with every problem found (not only the first). */
export class FileProblemsError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.join('\n'));
    this.name = 'FileProblemsError';
  }
}

/**
 * Parses YAML text; a syntax error becomes a {@link FileProblemsError} naming
 * `file:line:column`.
 */
export function parseYamlText(text: string, file: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const position = error.linePos?.[0];
      const where = position ? `${file}:${position.line}:${position.col}` : file;
      const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
      throw new FileProblemsError(file, [`${where}: invalid YAML: ${message}`]);
    }
    throw error;
  }
}

/** Reads a file, or returns `null` when it does not exist; other errors are thrown. */
export function readFileIfExists(absolutePath: string): string | null {
  try {
    return readFileSync(absolutePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** A plain object (YAML mapping), as opposed to null, a list or a scalar. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
