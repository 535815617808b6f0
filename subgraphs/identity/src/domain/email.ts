/**
 * Email addresses: one normal form (trimmed, lower-cased) used for storage, lookups and
 * uniqueness, and a deliberately plain validity check (RFC 5321 lengths, a dotted domain).
 */

const EMAIL_MAX_LENGTH = 254;
const LOCAL_PART_MAX_LENGTH = 64;

// The local part allows the RFC 5322 "atext" characters; the domain is dot-separated
// LDH labels with at least two of them. Quoted local parts and IP literals are refused.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The stored form of an address: surrounding whitespace removed, lower-cased. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Why a normalised address is not acceptable, or null when it is. */
export function emailProblem(email: string): string | null {
  if (email.length === 0) return 'is required';
  if (email.length > EMAIL_MAX_LENGTH) return `must be at most ${EMAIL_MAX_LENGTH} characters`;
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (at <= 0 || local.length > LOCAL_PART_MAX_LENGTH || !LOCAL_PART.test(local) || !DOMAIN.test(domain)) {
    return 'must be a valid email address';
  }
  return null;
}
