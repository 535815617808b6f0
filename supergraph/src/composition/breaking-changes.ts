/**
 * Breaking changes of the API schema between two supergraphs (graphql-js
 * `findBreakingChanges`), and the reviewed file that acknowledges deliberate ones:
 * supergraph/breaking-changes.yaml, a list of `{ type, description, reason }`. A breaking
 * change is acknowledged when an entry has the same `type` and `description`.
 */
import path from 'node:path';
import { BreakingChangeType, findBreakingChanges, findDangerousChanges } from 'graphql';
import { stringify as stringifyYaml } from 'yaml';
import { apiSchemaOf } from './api-schema.js';
import { ACKNOWLEDGEMENTS_FILE, FileProblemsError, isRecord, parseYamlText, readFileIfExists } from './files.js';

/** A change of the API schema, as graphql-js describes it. */
export interface SchemaChange {
  /** graphql-js `BreakingChangeType` (or `DangerousChangeType`), for example `FIELD_REMOVED`. */
  type: string;
  /** For example `User.email was removed.` */
  description: string;
}

/** A reviewed breaking change: why it is acceptable to ship. */
export interface Acknowledgement extends SchemaChange {
  reason: string;
}

/** Breaking changes of the API schema from `previousSupergraphSdl` to `nextSupergraphSdl`. */
export function breakingChanges(previousSupergraphSdl: string, nextSupergraphSdl: string): SchemaChange[] {
  return findBreakingChanges(apiSchemaOf(previousSupergraphSdl), apiSchemaOf(nextSupergraphSdl)).map(
    ({ type, description }) => ({ type, description }),
  );
}

/**
 * Changes that are not breaking but may change what existing clients see (an enum value or
 * union member added, a default value changed), shown as notices.
 */
export function dangerousChanges(previousSupergraphSdl: string, nextSupergraphSdl: string): SchemaChange[] {
  return findDangerousChanges(apiSchemaOf(previousSupergraphSdl), apiSchemaOf(nextSupergraphSdl)).map(
    ({ type, description }) => ({ type, description }),
  );
}

const BREAKING_CHANGE_TYPES = new Set<string>(Object.values(BreakingChangeType));
/** Starts the reason of a pasted template entry; an entry whose reason still starts with it is rejected. */
const REASON_PLACEHOLDER = 'TODO';

/**
 * Parses the acknowledgements file: a YAML list of `{ type, description, reason }`.
 *
 * @throws {FileProblemsError} listing every invalid entry.
 */
export function parseAcknowledgements(text: string, file = ACKNOWLEDGEMENTS_FILE): Acknowledgement[] {
  const document = parseYamlText(text, file);
  if (document === null || document === undefined) return [];
  if (!Array.isArray(document)) {
    throw new FileProblemsError(file, [`${file}: expected a list of { type, description, reason } entries`]);
  }
  const problems: string[] = [];
  const acknowledgements: Acknowledgement[] = [];
  document.forEach((entry: unknown, index) => {
    const where = `${file}: entry ${index + 1}`;
    if (!isRecord(entry)) {
      problems.push(`${where}: expected a mapping with type, description and reason`);
      return;
    }
    const { type, description, reason } = entry;
    const entryProblems: string[] = [];
    if (typeof type !== 'string' || !BREAKING_CHANGE_TYPES.has(type)) {
      entryProblems.push(
        `${where}: \`type\` must be a graphql-js BreakingChangeType (${[...BREAKING_CHANGE_TYPES].join(', ')}), found ${JSON.stringify(type ?? null)}`,
      );
    }
    if (typeof description !== 'string' || description.trim() === '') {
      entryProblems.push(`${where}: \`description\` must be the change's description as the check prints it`);
    }
    if (typeof reason !== 'string' || reason.trim() === '' || reason.trim().startsWith(REASON_PLACEHOLDER)) {
      entryProblems.push(`${where}: \`reason\` must say why this breaking change is acceptable`);
    }
    problems.push(...entryProblems);
    if (entryProblems.length === 0) {
      acknowledgements.push({
        type: type as string,
        description: (description as string).trim(),
        reason: reason as string,
      });
    }
  });
  if (problems.length > 0) throw new FileProblemsError(file, problems);
  return acknowledgements;
}

/**
 * Reads `<root>/supergraph/breaking-changes.yaml`; a missing file acknowledges nothing.
 *
 * @throws {FileProblemsError} when the file is invalid.
 */
export function readAcknowledgements(root: string): Acknowledgement[] {
  const text = readFileIfExists(path.join(root, ACKNOWLEDGEMENTS_FILE));
  return text === null ? [] : parseAcknowledgements(text);
}

export interface AcknowledgementMatch {
  /** Breaking changes no entry acknowledges: these fail the check. */
  unacknowledged: SchemaChange[];
  /** Breaking changes with their acknowledgement. */
  acknowledged: Acknowledgement[];
  /** Entries matching no breaking change (typically: the change has landed and the entry can go). */
  unused: Acknowledgement[];
}

/** Splits breaking changes into acknowledged and unacknowledged ones. */
export function matchAcknowledgements(
  changes: SchemaChange[],
  acknowledgements: Acknowledgement[],
): AcknowledgementMatch {
  const key = (change: SchemaChange) => `${change.type}\u0000${change.description.trim()}`;
  const byKey = new Map(acknowledgements.map((a) => [key(a), a]));
  const used = new Set<string>();
  const unacknowledged: SchemaChange[] = [];
  const acknowledged: Acknowledgement[] = [];
  for (const change of changes) {
    const acknowledgement = byKey.get(key(change));
    if (acknowledgement) {
      used.add(key(change));
      acknowledged.push(acknowledgement);
    } else {
      unacknowledged.push(change);
    }
  }
  return { unacknowledged, acknowledged, unused: acknowledgements.filter((a) => !used.has(key(a))) };
}

/** Ready-to-paste entries for the acknowledgements file, with a reason left to write. */
export function acknowledgementTemplate(changes: SchemaChange[]): string {
  return stringifyYaml(
    changes.map(({ type, description }) => ({
      type,
      description,
      reason: `${REASON_PLACEHOLDER}: who is affected and why this is acceptable`,
    })),
  );
}
