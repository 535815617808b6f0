/**
 * The input rules of posts: title, content and tags, each problem named by its field, and
 * how a slug is derived from a title.
 */
import type { InputProblems } from '@platform/service-kit';

const LIMITS = { title: 200, content: 100_000, tags: 10, tag: 30, slug: 80 } as const;

export function titleProblem(title: string): string | null {
  const trimmed = title.trim();
  if (trimmed.length === 0) return 'must not be empty';
  if (trimmed.length > LIMITS.title) return `must be at most ${LIMITS.title} characters`;
  return null;
}

export function contentProblem(content: string): string | null {
  if (content.trim().length === 0) return 'must not be empty';
  if (content.length > LIMITS.content) return `must be at most ${LIMITS.content} characters`;
  return null;
}

/** A tag as stored: lower case, runs of spaces or `-` become one `-`. */
const normaliseTag = (tag: string) =>
  tag
    .normalize('NFC')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * Tags normalised and deduplicated in the author's order; problems go to `tags` or `tags.<i>`.
 * Letters of any script are allowed (a tag is a word, not an identifier).
 */
export function normaliseTags(problems: InputProblems, tags: readonly string[]): string[] {
  const result: string[] = [];
  tags.forEach((raw, index) => {
    const tag = normaliseTag(raw);
    if (tag.length === 0) problems.add(`tags.${index}`, 'must not be empty');
    else if (tag.length > LIMITS.tag) problems.add(`tags.${index}`, `must be at most ${LIMITS.tag} characters`);
    else if (!/^[\p{L}\p{N}]+(-[\p{L}\p{N}]+)*$/u.test(tag)) {
      problems.add(`tags.${index}`, 'may hold only letters, digits, spaces and -');
    } else if (!result.includes(tag)) result.push(tag);
  });
  if (result.length > LIMITS.tags) problems.add('tags', `must be at most ${LIMITS.tags} different tags`);
  return result;
}

/** The tag a reader filters by, normalised like stored tags (null: no filter). */
export function tagFilter(tag: string | null | undefined): string | null {
  if (tag === null || tag === undefined) return null;
  return normaliseTag(tag);
}

/**
 * The slug a title asks for: ASCII lower case words joined by `-` (accents dropped), at most
 * 80 characters; `post` when nothing is left (a title in another script).
 */
export function slugOf(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = words.slice(0, LIMITS.slug).replace(/-+$/g, '');
  return cut.length > 0 ? cut : 'post';
}
