/** Small cryptographic helpers shared by the services: opaque tokens and constant-time checks. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random, URL-safe opaque token with 256 bits of entropy, e.g. `rt_3q2…`. */
export function randomToken(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 hex digest. Right for high-entropy tokens; passwords use argon2id instead. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Compares two strings without leaking where they differ through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}
