/**
 * Tokens a user receives by email (verification, password reset): random, stored only as
 * a SHA-256 hash, single-use, short-lived. Delivery is not built yet; in development the
 * link is logged under `link` (the logger redacts `token` keys, so the link carries it).
 */
import { randomToken, sha256Hex, type Logger } from '@platform/service-kit';
import type { TokenPurpose, TokenStore } from '../stores/token-store.js';

interface PurposeSettings {
  ttlSeconds: number;
  /** Path of the client app page that takes the token. */
  path: string;
}

const TOKEN_SETTINGS: Record<TokenPurpose, PurposeSettings> = {
  email_verification: { ttlSeconds: 24 * 60 * 60, path: '/verify-email' },
  password_reset: { ttlSeconds: 60 * 60, path: '/reset-password' },
};

/** Longer than any token we issue; anything longer is refused before hashing. */
const TOKEN_MAX_LENGTH = 256;

export interface MailLinks {
  publicAppUrl: string;
  /** Only development logs links; elsewhere they would be mailed. */
  logLinks: boolean;
}

/** Creates a token for the user and returns the raw token (the database only keeps its hash). */
export async function issueMailToken(tokens: TokenStore, userId: string, purpose: TokenPurpose): Promise<string> {
  const token = randomToken();
  await tokens.create({ userId, purpose, tokenHash: sha256Hex(token), ttlSeconds: TOKEN_SETTINGS[purpose].ttlSeconds });
  return token;
}

/** Hands the link to the user. Call after the token's transaction committed. */
export function deliverMailLink(
  links: MailLinks,
  logger: Logger,
  input: { userId: string; purpose: TokenPurpose; token: string },
): void {
  const { path } = TOKEN_SETTINGS[input.purpose];
  if (links.logLinks) {
    const link = `${links.publicAppUrl}${path}?token=${encodeURIComponent(input.token)}`;
    logger.info({ userId: input.userId, purpose: input.purpose, link }, 'mail link (development only)');
  } else {
    logger.info({ userId: input.userId, purpose: input.purpose }, 'mail link issued');
  }
}

/** The hash to look a presented token up by, or null when it cannot be one of ours. */
export function presentedTokenHash(token: string): string | null {
  const trimmed = token.trim();
  if (trimmed.length === 0 || trimmed.length > TOKEN_MAX_LENGTH) return null;
  return sha256Hex(trimmed);
}
