/**
 * The baseline of the breaking-change check: the previously committed supergraph, read
 * from git (`git show <ref>:supergraph/supergraph.graphql`) or from a file. A baseline that
 * does not exist yet (a new repository, the first supergraph) is not an error: the check
 * prints a notice and skips. A ref that was asked for but cannot be found is an error, so a
 * shallow CI checkout cannot silently skip the check.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { readFileIfExists, SUPERGRAPH_FILE } from './files.js';

export type BaselineSource =
  /** `explicit` is false for the default (`HEAD`), true for `--base` or `SUPERGRAPH_BASE_REF`. */
  { kind: 'git'; ref: string; explicit: boolean } | { kind: 'file'; file: string };

export type Baseline =
  /** `origin` says where the SDL came from, for messages. */
  { found: true; sdl: string; origin: string } | { found: false; notice: string };

/** The requested baseline cannot be read. */
export class BaselineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineError';
  }
}

function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    return null;
  }
}

/**
 * Reads the baseline supergraph SDL.
 *
 * @throws {BaselineError} when a `--base-file` does not exist, or an explicitly requested git
 *   ref cannot be resolved.
 */
export function readBaseline(root: string, source: BaselineSource): Baseline {
  if (source.kind === 'file') {
    const file = path.resolve(source.file);
    const sdl = readFileIfExists(file);
    if (sdl === null) throw new BaselineError(`--base-file ${source.file}: no such file`);
    return { found: true, sdl, origin: source.file };
  }

  const { ref, explicit } = source;
  const prefix = git(root, ['rev-parse', '--show-prefix']);
  if (prefix === null) {
    if (explicit) throw new BaselineError(`base ref ${ref}: ${root} is not inside a git repository`);
    return { found: false, notice: `${root} is not inside a git repository: no baseline to compare with` };
  }
  const commit = git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])?.trim();
  if (!commit) {
    if (explicit) {
      throw new BaselineError(
        `base ref ${ref} is not a commit of this repository (in CI, check out with fetch-depth: 0 so the base is present)`,
      );
    }
    return { found: false, notice: `${ref} does not exist yet (no commits): no baseline to compare with` };
  }
  const short = commit.slice(0, 12);
  const blob = `${commit}:${prefix.trim()}${SUPERGRAPH_FILE}`;
  if (git(root, ['cat-file', '-e', blob]) === null) {
    return {
      found: false,
      notice: `${SUPERGRAPH_FILE} does not exist at ${ref} (${short}): this is the first supergraph, nothing to compare with`,
    };
  }
  const sdl = git(root, ['show', blob]);
  if (sdl === null) throw new BaselineError(`git show ${ref}:${SUPERGRAPH_FILE} failed`);
  return { found: true, sdl, origin: `${ref} (${short}):${SUPERGRAPH_FILE}` };
}
