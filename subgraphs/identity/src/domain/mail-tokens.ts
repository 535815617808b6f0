/**
 * Tokens a user receives by email (verification, password reset): random, stored only as
 * a SHA-256 hash, single-use, short-lived. The link is handed to notifications' internal API,
 * which mails it: a link is a credential, so it never goes into an event (every consumer
 * would read it) or a log line. In development the mail catcher's page shows it.
 */
import { randomToken, sha256Hex, type InternalClient, type Logger } from '@platform/service-kit';
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
  /** notifications' internal API, which mails the link. */
  notifications: InternalClient;
}

/** Creates a token for the user and returns the raw token (the database only keeps its hash). */
export async function issueMailToken(tokens: TokenStore, userId: string, purpose: TokenPurpose): Promise<string> {
  const token = randomToken();
  await tokens.create({ userId, purpose, tokenHash: sha256Hex(token), ttlSeconds: TOKEN_SETTINGS[purpose].ttlSeconds });
  return token;
}

/**
 * Hands the link to notifications, which mails it. Call after the token's transaction
 * committed. A failure is thrown for the caller's log (without the link); the user asks again.
 */
export async function deliverMailLink(
  links: MailLinks,
  logger: Logger,
  input: { userId: string; email: string; name: string | null; purpose: TokenPurpose; token: string },
): Promise<void> {
  const { path } = TOKEN_SETTINGS[input.purpose];
  const link = `${links.publicAppUrl}${path}?token=${encodeURIComponent(input.token)}`;
  await links.notifications.post('/internal/mail/link', {
    userId: input.userId,
    email: input.email,
    ...(input.name ? { name: input.name } : {}),
    purpose: input.purpose,
    link,
  });
  logger.info({ userId: input.userId, purpose: input.purpose }, 'mail link handed to notifications');
}

/** The hash to look a presented token up by, or null when it cannot be one of ours. */
export function presentedTokenHash(token: string): string | null {
  const trimmed = token.trim();
  if (trimmed.length === 0 || trimmed.length > TOKEN_MAX_LENGTH) return null;
  return sha256Hex(trimmed);
}
