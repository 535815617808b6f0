/**
 * Checks of client input, each answering the problem in words a user can act on (or null),
 * for `InputProblems`. Text is trimmed; tags are lower case, unique and sorted.
 */
import { Money, type InputProblems } from '@platform/service-kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TAGS = 20;
const MAX_TAG_LENGTH = 50;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** Text of `min`–`max` characters after trimming, or the problem. */
export function textProblem(text: string, min: number, max: number): string | null {
  const length = [...text.trim()].length;
  if (length < min) return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
  if (length > max) return `must be at most ${max} characters`;
  return null;
}

/** The tags normalised, or the problem. */
export function normaliseTags(tags: readonly string[] | null | undefined): { tags: string[]; problem: string | null } {
  const normalised = [...new Set((tags ?? []).map((tag) => tag.trim().toLowerCase()))].sort();
  if (normalised.length > MAX_TAGS) return { tags: normalised, problem: `at most ${MAX_TAGS} tags` };
  if (normalised.some((tag) => tag.length === 0 || tag.length > MAX_TAG_LENGTH)) {
    return { tags: normalised, problem: `each tag must be 1 to ${MAX_TAG_LENGTH} characters` };
  }
  return { tags: normalised, problem: null };
}

/** An amount of money that must be more than zero, its problems recorded under `field`. */
export function positiveMoney(
  problems: InputProblems,
  field: string,
  input: { amount: string; currencyCode: string },
): Money | null {
  const parsed = Money.fromInput(input, { allowZero: false });
  if (parsed.problems) {
    problems.add(`${field}.amount`, parsed.problems.amount);
    problems.add(`${field}.currencyCode`, parsed.problems.currencyCode);
    return null;
  }
  return parsed.money;
}
