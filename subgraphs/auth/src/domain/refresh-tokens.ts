/**
 * Refresh tokens are opaque random strings (`rt_` + 256 bits, base64url). The database
 * keeps only their SHA-256, so a leaked table cannot be replayed; a high-entropy token
 * needs no salt or slow hash.
 */
import { randomToken, sha256Hex } from '@platform/service-kit';

const REFRESH_TOKEN_PREFIX = 'rt_';
const REFRESH_TOKEN_PATTERN = /^rt_[A-Za-z0-9_-]{43}$/;

export interface NewRefreshToken {
  /** Handed to the client once, never stored. */
  token: string;
  /** What the database keeps. */
  hash: string;
}

export function generateRefreshToken(): NewRefreshToken {
  const token = randomToken(REFRESH_TOKEN_PREFIX);
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return sha256Hex(token);
}

/** True when `value` could be a token we issued; anything else is refused without a query. */
export function isWellFormedRefreshToken(value: string): boolean {
  return REFRESH_TOKEN_PATTERN.test(value);
}
