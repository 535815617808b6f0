/**
 * The operations manifest: the client operations in supergraph/operations/*.graphql and
 * manifest.yaml, which says which files are enforced (must validate against the API schema)
 * and which are pending, with the issue that will enable them.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  getLocation,
  GraphQLError,
  Kind,
  parse,
  Source,
  validate,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import {
  FileProblemsError,
  isRecord,
  OPERATIONS_DIR,
  OPERATIONS_MANIFEST_FILE,
  parseYamlText,
  readFileIfExists,
} from './files.js';

/** An operation file's display path (for messages) and text. */
export interface OperationFile {
  file: string;
  source: string;
}

/** A pending file: not validated yet, until `issue` lands. */
export interface PendingOperationFile extends OperationFile {
  issue: string;
}

export interface OperationsManifest {
  enforced: OperationFile[];
  pending: PendingOperationFile[];
}

/** One reason an operation does not validate. */
export interface OperationProblem {
  file: string;
  /** The operation (or `fragment Name`) the error is in, when the file parsed. */
  operation?: string;
  line?: number;
  column?: number;
  message: string;
}

function definitionLabel(definition: DefinitionNode): string | undefined {
  if (definition.kind === Kind.OPERATION_DEFINITION)
    return definition.name?.value ?? `anonymous ${definition.operation}`;
  if (definition.kind === Kind.FRAGMENT_DEFINITION) return `fragment ${definition.name.value}`;
  return undefined;
}

function enclosingDefinition(document: DocumentNode, error: GraphQLError): string | undefined {
  const start = error.nodes?.[0]?.loc?.start;
  if (start === undefined) return undefined;
  const definition = document.definitions.find((d) => d.loc && d.loc.start <= start && start < d.loc.end);
  return definition ? definitionLabel(definition) : undefined;
}

function problemOf(file: string, error: GraphQLError, operation?: string): OperationProblem {
  const location = error.locations?.[0];
  return {
    file,
    ...(operation !== undefined ? { operation } : {}),
    ...(location ? { line: location.line, column: location.column } : {}),
    message: error.message,
  };
}

/**
 * Parses and validates every operation file against `apiSchema` with graphql-js's standard
 * rules, and checks that operation names are unique across the files (clients and
 * persisted-operation safelists identify operations by name).
 */
export function validateOperations(apiSchema: GraphQLSchema, files: OperationFile[]): OperationProblem[] {
  const problems: OperationProblem[] = [];
  const firstDefinedAt = new Map<string, string>();
  for (const { file, source } of files) {
    let document: DocumentNode;
    try {
      document = parse(new Source(source, file));
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      problems.push(problemOf(file, error));
      continue;
    }
    for (const error of validate(apiSchema, document)) {
      problems.push(problemOf(file, error, enclosingDefinition(document, error)));
    }
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || !definition.name || !definition.loc) continue;
      const name = definition.name.value;
      const { line, column } = getLocation(definition.loc.source, definition.loc.start);
      const here = `${file}:${line}:${column}`;
      const first = firstDefinedAt.get(name);
      if (first === undefined) {
        firstDefinedAt.set(name, here);
      } else if (!first.startsWith(`${file}:`)) {
        // Duplicates inside one file are already reported by graphql-js (UniqueOperationNames).
        problems.push({
          file,
          operation: name,
          line,
          column,
          message: `Operation name "${name}" is already used at ${first}; operation names must be unique across the manifest.`,
        });
      }
    }
  }
  return problems;
}

/** `file:line:column (Operation): message`, the way the check prints a problem. */
export function formatOperationProblem(problem: OperationProblem): string {
  const where = problem.line !== undefined ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  return `${where}${problem.operation !== undefined ? ` (${problem.operation})` : ''}: ${problem.message}`;
}

/** How many operations the files define (files that do not parse count as none). */
export function countOperations(files: OperationFile[]): number {
  let count = 0;
  for (const { source } of files) {
    try {
      count += parse(source).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
    } catch {
      // reported by validateOperations
    }
  }
  return count;
}

const STATUSES = ['enforced', 'pending'] as const;

/**
 * Reads supergraph/operations/manifest.yaml and the files it lists. Problems do not stop the
 * reading: every valid entry is returned, and `problems` lists a missing or invalid manifest,
 * an entry without status (or a pending one without its issue), a listed file that does not
 * exist, and each `.graphql` file of the folder that the manifest does not list.
 */
export function readOperationsManifest(root: string): OperationsManifest & { problems: string[] } {
  const manifestFile = OPERATIONS_MANIFEST_FILE;
  const manifest: OperationsManifest & { problems: string[] } = { enforced: [], pending: [], problems: [] };
  const { problems } = manifest;
  const text = readFileIfExists(path.join(root, manifestFile));
  if (text === null) {
    problems.push(`${manifestFile}: not found; it lists the operation files and which of them are enforced`);
    return manifest;
  }
  let document: unknown;
  try {
    document = parseYamlText(text, manifestFile);
  } catch (error) {
    if (!(error instanceof FileProblemsError)) throw error;
    problems.push(...error.problems);
    return manifest;
  }
  const entries = isRecord(document) ? document.files : undefined;
  if (!Array.isArray(entries)) {
    problems.push(`${manifestFile}: expected \`files:\` with a list of { file, status: enforced | pending, issue }`);
    return manifest;
  }

  const listed = new Set<string>();
  entries.forEach((entry: unknown, index) => {
    const where = `${manifestFile}: files[${index}]`;
    if (!isRecord(entry) || typeof entry.file !== 'string' || entry.file.trim() === '') {
      problems.push(`${where}: expected { file, status, issue } with \`file\` naming a file of ${OPERATIONS_DIR}`);
      return;
    }
    const name = entry.file;
    if (listed.has(name)) {
      problems.push(`${where}: ${name} is listed twice`);
      return;
    }
    listed.add(name);
    const status = entry.status;
    if (typeof status !== 'string' || !(STATUSES as readonly string[]).includes(status)) {
      problems.push(`${where} (${name}): \`status\` must be one of ${STATUSES.join(', ')}`);
      return;
    }
    if (status === 'pending' && (typeof entry.issue !== 'string' || entry.issue.trim() === '')) {
      problems.push(`${where} (${name}): a pending file needs \`issue\`, the issue that will enforce it`);
      return;
    }
    const file = `${OPERATIONS_DIR}/${name}`;
    const source = readFileIfExists(path.join(root, OPERATIONS_DIR, name));
    if (source === null) {
      problems.push(`${where}: ${file} does not exist`);
      return;
    }
    if (status === 'enforced') manifest.enforced.push({ file, source });
    else manifest.pending.push({ file, source, issue: entry.issue as string });
  });

  for (const name of readdirSync(path.join(root, OPERATIONS_DIR)).sort()) {
    if (name.endsWith('.graphql') && !listed.has(name)) {
      problems.push(`${OPERATIONS_DIR}/${name}: not listed in ${manifestFile}; add it as enforced (or pending)`);
    }
  }
  return manifest;
}
