/**
 * Input rules shared by the mutations and the seed: passwords and display names. Problems
 * are collected with the kit's `InputProblems`, so the client hears of all of them at once.
 */

const PASSWORD_MIN_LENGTH = 8;
const PASSWORD_MAX_LENGTH = 128;
const NAME_MAX_LENGTH = 100;

/** Length in user-perceived code points, so an emoji counts once rather than twice. */
function characterCount(value: string): number {
  let count = 0;
  for (const _character of value) count += 1;
  return count;
}

/** Why a new password is not acceptable, or null. The upper bound keeps hashing cheap. */
export function passwordProblem(password: string): string | null {
  const length = characterCount(password);
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  return null;
}

/** The stored form of a display name: surrounding whitespace removed. */
export function normaliseName(raw: string): string {
  return raw.trim();
}

/** Why a normalised display name is not acceptable, or null. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'is required';
  if (characterCount(name) > NAME_MAX_LENGTH) return `must be at most ${NAME_MAX_LENGTH} characters`;
  // Control characters (newlines, NUL, escapes) have no place in a name shown to other people.
  if (/\p{Cc}/u.test(name)) return 'must not contain control characters';
  return null;
}
