/**
 * Reads rover.yaml, rover's supergraph config and the single list of subgraphs, the way
 * `rover supergraph compose --config rover.yaml` does offline: every subgraph's schema comes
 * from a local `schema.file`, resolved relative to rover.yaml. Every problem is reported at
 * once, each naming the key or file it is about.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  displayPath,
  FileProblemsError,
  isRecord,
  parseYamlText,
  readFileIfExists,
  ROVER_CONFIG_FILE,
} from './files.js';

/** One subgraph of rover.yaml with its schema text loaded. */
export interface SubgraphConfig {
  name: string;
  /** Where the gateway reaches the subgraph by default (rover's `routing_url`). */
  routingUrl: string;
  /** The schema file relative to the root, with forward slashes (for messages). */
  schemaFile: string;
  /** The schema file's absolute path. */
  schemaPath: string;
  /** The schema file's text. */
  sdl: string;
}

export interface SupergraphConfig {
  /** The repository (or fixture) root that holds rover.yaml. */
  root: string;
  /** rover's `federation_version`, for example `=2.14.4`. */
  federationVersion: string;
  subgraphs: SubgraphConfig[];
}

/** rover.yaml is missing or invalid; `problems` lists every problem found. */
export class SupergraphConfigError extends FileProblemsError {
  constructor(problems: string[]) {
    super(ROVER_CONFIG_FILE, problems);
    this.name = 'SupergraphConfigError';
  }
}

const FEDERATION_VERSION = /^=?2(\.\d+){0,2}$/;

/**
 * Parses and validates `<root>/rover.yaml` and reads every subgraph's schema file.
 *
 * @throws {SupergraphConfigError} listing every problem: a missing or unparsable rover.yaml,
 *   a missing `routing_url` or `schema.file`, a schema file that cannot be read (with its path).
 */
export function readSupergraphConfig(root: string): SupergraphConfig {
  const configPath = path.join(root, ROVER_CONFIG_FILE);
  const text = readFileIfExists(configPath);
  if (text === null) {
    throw new SupergraphConfigError([`${ROVER_CONFIG_FILE}: not found in ${root}`]);
  }
  let document: unknown;
  try {
    document = parseYamlText(text, ROVER_CONFIG_FILE);
  } catch (error) {
    if (error instanceof FileProblemsError) throw new SupergraphConfigError(error.problems);
    throw error;
  }
  if (!isRecord(document)) {
    throw new SupergraphConfigError([
      `${ROVER_CONFIG_FILE}: expected a mapping with \`federation_version\` and \`subgraphs\``,
    ]);
  }

  const problems: string[] = [];
  const federationVersion = document.federation_version;
  if (typeof federationVersion !== 'string' || !FEDERATION_VERSION.test(federationVersion)) {
    problems.push(
      `${ROVER_CONFIG_FILE}: \`federation_version\` must be a Federation 2 version such as "=2.14.4" (found ${JSON.stringify(federationVersion ?? null)})`,
    );
  }

  const subgraphs: SubgraphConfig[] = [];
  const entries = document.subgraphs;
  if (!isRecord(entries) || Object.keys(entries).length === 0) {
    problems.push(`${ROVER_CONFIG_FILE}: \`subgraphs\` must map each subgraph name to its routing_url and schema`);
  } else {
    for (const [name, entry] of Object.entries(entries)) {
      const key = `${ROVER_CONFIG_FILE}: subgraphs.${name}`;
      if (!isRecord(entry)) {
        problems.push(`${key}: expected a mapping with \`routing_url\` and \`schema.file\``);
        continue;
      }
      const routingUrl = entry.routing_url;
      if (typeof routingUrl !== 'string' || !URL.canParse(routingUrl)) {
        problems.push(`${key}.routing_url: must be an absolute URL (found ${JSON.stringify(routingUrl ?? null)})`);
      }
      const schema = entry.schema;
      const file = isRecord(schema) ? schema.file : undefined;
      if (typeof file !== 'string' || file.trim() === '') {
        const others = isRecord(schema) ? Object.keys(schema).filter((k) => k !== 'file') : [];
        problems.push(
          `${key}.schema.file: missing; composition runs offline, so every subgraph needs a local schema file` +
            (others.length > 0
              ? ` (found ${others.map((k) => `schema.${k}`).join(', ')}, which needs the network)`
              : ''),
        );
        continue;
      }
      const schemaPath = path.resolve(root, file);
      let sdl: string;
      try {
        sdl = readFileSync(schemaPath, 'utf8');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
        problems.push(`${key}.schema.file: cannot read ${file} (${schemaPath}): ${reason}`);
        continue;
      }
      if (typeof routingUrl === 'string') {
        subgraphs.push({ name, routingUrl, schemaFile: displayPath(root, schemaPath), schemaPath, sdl });
      }
    }
  }

  if (problems.length > 0) throw new SupergraphConfigError(problems);
  return { root, federationVersion: federationVersion as string, subgraphs };
}
