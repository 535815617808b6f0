/**
 * Sessions: signing in, refreshing with rotation, signing out, and revoking a user's
 * sessions when identity's events ask for it (a password change or reset, a deletion). A session is one sign-in; its refresh tokens form a
 * chain where each use returns the next token and spends the current one.
 *
 * Replay of a spent refresh token means two parties hold the chain (RFC 9700 §4.14.2):
 * the whole session and every token of it is revoked. Two concurrent uses of one token
 * count as a replay too: one wins the rotation, the other then finds the token spent.
 */
import { randomUUID } from 'node:crypto';
import { InputProblems, unauthenticated, type AttemptThrottle, type Logger } from '@platform/service-kit';
import {
  createEvent,
  enqueue,
  NO_REQUEST,
  requestContextOf,
  type AnyCloudEvent,
  type RequestContext,
} from '@platform/service-kit/events';
import type { Knex } from 'knex';
import type { CredentialsVerifier } from '../identity-client.js';
import type { SessionModel } from '../mappers.js';
import { createRefreshTokenStore } from '../stores/refresh-token-store.js';
import { createSessionStore } from '../stores/session-store.js';
import { TOKEN_TYPE_BEARER, type AccessTokenIssuer, type AccessTokenSubject } from './access-tokens.js';
import { generateRefreshToken, hashRefreshToken, isWellFormedRefreshToken } from './refresh-tokens.js';

/** The one answer for an unknown user, a wrong password and a locked account alike. */
const INVALID_CREDENTIALS_MESSAGE = 'Invalid email or password';
/** The one answer for an unknown, expired, revoked or replayed refresh token. */
const INVALID_REFRESH_TOKEN_MESSAGE = 'Invalid or expired refresh token';

const MAX_EMAIL_LENGTH = 320;
const MAX_PASSWORD_LENGTH = 1024;
const MAX_USER_AGENT_LENGTH = 512;
const MAX_IP_LENGTH = 64;

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  tokenType: typeof TOKEN_TYPE_BEARER;
}

export interface LoginResult extends TokenPair {
  userId: string;
  /** The user's address as identity stores it. */
  email: string;
  sessionId: string;
}

export interface RequestScope {
  requestId: string;
  logger: Logger;
  client: { ip: string | null; userAgent: string | null };
}

/** What caused a revocation that did not come through GraphQL (an event of identity's). */
export interface RevocationCause {
  /** The user who caused it; null for the platform. */
  actorId: string | null;
  /** The request that caused it, in whichever service it was made. */
  requestId: string | null;
}

export interface SessionService {
  login(input: { email: string; password: string }, scope: RequestScope): Promise<LoginResult>;
  refresh(refreshToken: string, scope: RequestScope): Promise<TokenPair>;
  /** Revokes the token's session; idempotent for a session already revoked. */
  logout(refreshToken: string, scope: RequestScope): Promise<void>;
  /**
   * Revokes every active session of the user but one, in the caller's transaction, with a
   * session.revoked event for each; returns how many. Revoking again revokes (and writes) nothing.
   */
  revokeAllOfUser(
    trx: Knex.Transaction,
    revocation: { userId: string; exceptSessionId: string | null; reason: string; cause: RevocationCause },
  ): Promise<number>;
  listActiveSessions(userIds: readonly string[]): Promise<Map<string, SessionModel[]>>;
}

export interface SessionServiceOptions {
  db: Knex;
  accessTokens: AccessTokenIssuer;
  credentials: CredentialsVerifier;
  /** Sign-in attempts per address (`throttleAccountKey`). */
  throttle: AttemptThrottle;
  refreshTokenTtlSeconds: number;
  /** Failed attempts that lock an account (the throttle's policy), for account.locked events. */
  maxFailedLogins: number;
}

/** The throttle key of a login: the email, trimmed and lower-cased. */
export function throttleAccountKey(email: string): string {
  return email.trim().toLowerCase();
}

/** The event key and target of an account known only by the address typed (at most 200 characters). */
const accountKey = (email: string) => throttleAccountKey(email).slice(0, 200);

function sessionRevoked(
  session: { id: string; userId: string },
  reason: string,
  actorId: string | null,
  context: RequestContext,
): AnyCloudEvent {
  return createEvent({
    type: 'platform.auth.session.revoked.v1',
    subject: session.userId,
    data: {
      actorId,
      target: { type: 'session', id: session.id },
      context,
      userId: session.userId,
      sessionId: session.id,
      reason: reason.slice(0, 200),
    },
  });
}

const invalidCredentials = () => unauthenticated(INVALID_CREDENTIALS_MESSAGE);
const invalidRefreshToken = () => unauthenticated(INVALID_REFRESH_TOKEN_MESSAGE);

const truncate = (value: string | null, length: number) => (value === null ? null : value.slice(0, length));

type RotationOutcome =
  | { kind: 'rotated'; sessionId: string; userId: string; sessionCreatedAt: Date }
  | { kind: 'replayed'; sessionId: string; revokedNow: boolean }
  | { kind: 'invalid' };

export function createSessionService(options: SessionServiceOptions): SessionService {
  const { db, accessTokens, credentials, throttle } = options;
  const refreshTtl = options.refreshTokenTtlSeconds;

  async function tokenPair(session: AccessTokenSubject, refreshToken: string): Promise<TokenPair> {
    const access = await accessTokens.issue(session);
    return { accessToken: access.token, refreshToken, expiresIn: access.expiresIn, tokenType: TOKEN_TYPE_BEARER };
  }

  /** Revokes the sessions (of `userId`) and writes a session.revoked event for each one revoked now. */
  async function revokeSessions(
    trx: Knex.Transaction,
    userId: string,
    sessionIds: string[],
    reason: string,
    actorId: string | null,
    context: RequestContext,
  ): Promise<string[]> {
    const sessions = createSessionStore(trx);
    const revoked: string[] = [];
    for (const id of sessionIds) if (await sessions.revoke(id, reason)) revoked.push(id);
    await createRefreshTokenStore(trx).revokeForSessions(sessionIds);
    await enqueue(
      trx,
      revoked.map((id) => sessionRevoked({ id, userId }, reason, actorId, context)),
    );
    return revoked;
  }

  /**
   * Records a refused sign-in (and the lock it caused) in a transaction of its own: there
   * is no state change to commit with. A failure to record it is logged, and the caller
   * still gets the one answer for refused credentials.
   */
  async function recordLoginFailure(
    email: string,
    reason: 'invalid_credentials' | 'account_locked',
    lockedForMs: number | null,
    scope: RequestScope,
  ): Promise<void> {
    try {
      const context = requestContextOf(scope);
      const key = accountKey(email);
      // Operators watching the audit stream need the account behind a refused sign-in. The
      // lookup runs for every refusal, known address or not, so it costs every caller the same.
      const userId =
        (await credentials.findUserId?.(email, scope.requestId).catch((error: unknown) => {
          scope.logger.error({ err: error }, 'could not look up the account of a refused sign-in');
          return null;
        })) ?? null;
      const events: AnyCloudEvent[] = [
        createEvent({
          type: 'platform.auth.login.failed.v1',
          subject: userId ?? key,
          data: {
            actorId: userId,
            target: { type: 'user', id: userId ?? key },
            context,
            userId,
            email: key,
            reason,
            outcome: 'failure',
          },
        }),
      ];
      // The lock is keyed by address; account.locked names the account, so only when it exists.
      if (lockedForMs !== null && userId) {
        events.push(
          createEvent({
            type: 'platform.auth.account.locked.v1',
            subject: userId,
            data: {
              actorId: null,
              target: { type: 'user', id: userId },
              context,
              userId,
              failedAttempts: options.maxFailedLogins,
              lockedUntil: new Date(Date.now() + lockedForMs).toISOString(),
              reason: 'too many failed sign-ins',
            },
          }),
        );
      }
      await db.transaction((trx) => enqueue(trx, events));
    } catch (error) {
      scope.logger.error({ err: error }, 'could not record the failed login event');
    }
  }

  return {
    async login(input, scope) {
      const email = input.email.trim();
      const problems = new InputProblems('input');
      problems.add(
        'email',
        email.length === 0
          ? 'must not be empty'
          : email.length > MAX_EMAIL_LENGTH
            ? `must be at most ${MAX_EMAIL_LENGTH} characters`
            : null,
      );
      problems.add(
        'password',
        input.password.length === 0
          ? 'must not be empty'
          : input.password.length > MAX_PASSWORD_LENGTH
            ? `must be at most ${MAX_PASSWORD_LENGTH} characters`
            : null,
      );
      problems.throwIfAny();

      const account = throttleAccountKey(email);
      // Counted before the slow verification, atomically with the lock check: concurrent
      // guesses cannot all pass a stale "not locked". A store that cannot answer refuses the
      // sign-in (fail closed) with the generic internal error; it is logged with the request id.
      const lock = await throttle.attempt(account).catch((error: unknown) => {
        throw new Error('login throttle unavailable: sign-in refused', { cause: error });
      });
      if (lock.locked) {
        // Not verified. The lock is keyed by the address typed, known account or not, so the
        // quicker answer tells nothing about which addresses are registered.
        scope.logger.info({ retryAfterMs: lock.retryAfterMs }, 'login refused: account temporarily locked');
        await recordLoginFailure(email, 'account_locked', null, scope);
        throw invalidCredentials();
      }
      const verified = await credentials.verify(email, input.password, scope.requestId);
      if (!verified) {
        const after = await throttle.recordFailure(account);
        if (after.locked) {
          scope.logger.warn({ lockMs: after.retryAfterMs }, 'account locked after repeated failed logins');
        } else {
          scope.logger.info('login refused: invalid credentials');
        }
        await recordLoginFailure(email, 'invalid_credentials', after.locked ? after.retryAfterMs : null, scope);
        throw invalidCredentials();
      }
      await throttle.recordSuccess(account);

      const sessionId = randomUUID();
      const refresh = generateRefreshToken();
      const session = await db.transaction(async (trx) => {
        const created = await createSessionStore(trx).create({
          id: sessionId,
          userId: verified.userId,
          ttlSeconds: refreshTtl,
          userAgent: truncate(scope.client.userAgent, MAX_USER_AGENT_LENGTH),
          ipAddress: truncate(scope.client.ip, MAX_IP_LENGTH),
          refreshToken: { id: randomUUID(), hash: refresh.hash },
        });
        await enqueue(
          trx,
          createEvent({
            type: 'platform.auth.login.succeeded.v1',
            subject: verified.userId,
            data: {
              actorId: verified.userId,
              target: { type: 'session', id: sessionId },
              context: requestContextOf(scope),
              userId: verified.userId,
              sessionId,
              outcome: 'success',
            },
          }),
        );
        return created;
      });
      scope.logger.info({ userId: verified.userId, sessionId }, 'login succeeded, session started');
      // The session's creation is the credential login: every access token of the session carries it as auth_time.
      const pair = await tokenPair(
        { userId: verified.userId, sessionId, authenticatedAt: session.createdAt },
        refresh.token,
      );
      return { ...pair, userId: verified.userId, email: verified.email, sessionId };
    },

    async refresh(refreshToken, scope) {
      if (!isWellFormedRefreshToken(refreshToken)) throw invalidRefreshToken();
      const hash = hashRefreshToken(refreshToken);
      const successor = generateRefreshToken();
      const outcome = await db.transaction(async (trx): Promise<RotationOutcome> => {
        const tokens = createRefreshTokenStore(trx);
        const consumed = await tokens.consume(hash);
        if (consumed) {
          await tokens.insert({
            id: randomUUID(),
            sessionId: consumed.sessionId,
            hash: successor.hash,
            ttlSeconds: refreshTtl,
          });
          await createSessionStore(trx).touch(consumed.sessionId, refreshTtl);
          return {
            kind: 'rotated',
            sessionId: consumed.sessionId,
            userId: consumed.userId,
            sessionCreatedAt: consumed.sessionCreatedAt,
          };
        }
        const state = await tokens.find(hash);
        if (state?.used) {
          const context = requestContextOf(scope);
          // Whoever presents a spent token is not known to be the user: no actor.
          await enqueue(
            trx,
            createEvent({
              type: 'platform.auth.refresh_token.reuse_detected.v1',
              subject: state.userId,
              data: {
                actorId: null,
                target: { type: 'session', id: state.sessionId },
                context,
                userId: state.userId,
                sessionId: state.sessionId,
                outcome: 'denied',
              },
            }),
          );
          const revoked = await revokeSessions(
            trx,
            state.userId,
            [state.sessionId],
            'refresh_token_reuse',
            null,
            context,
          );
          return { kind: 'replayed', sessionId: state.sessionId, revokedNow: revoked.length > 0 };
        }
        return { kind: 'invalid' };
      });
      if (outcome.kind === 'replayed') {
        scope.logger.warn(
          { sessionId: outcome.sessionId, sessionRevokedNow: outcome.revokedNow },
          'refresh token reused after rotation: session revoked',
        );
        throw invalidRefreshToken();
      }
      if (outcome.kind === 'invalid') throw invalidRefreshToken();
      // A refresh is no new sign-in: auth_time stays the session's creation.
      return tokenPair(
        { userId: outcome.userId, sessionId: outcome.sessionId, authenticatedAt: outcome.sessionCreatedAt },
        successor.token,
      );
    },

    async logout(refreshToken, scope) {
      if (!isWellFormedRefreshToken(refreshToken)) throw invalidRefreshToken();
      const state = await createRefreshTokenStore(db).find(hashRefreshToken(refreshToken));
      if (!state) throw invalidRefreshToken();
      // The token's holder signs the session out: as far as we know, its user.
      const revoked = await db.transaction((trx) =>
        revokeSessions(trx, state.userId, [state.sessionId], 'logout', state.userId, requestContextOf(scope)),
      );
      scope.logger.info({ sessionId: state.sessionId, alreadyRevoked: revoked.length === 0 }, 'logout');
    },

    async revokeAllOfUser(trx, { userId, exceptSessionId, reason, cause }) {
      const context: RequestContext = { ...NO_REQUEST, requestId: cause.requestId };
      const ids = await createSessionStore(trx).revokeAllOfUser(userId, exceptSessionId, reason);
      await createRefreshTokenStore(trx).revokeForSessions(ids);
      await enqueue(
        trx,
        ids.map((id) => sessionRevoked({ id, userId }, reason, cause.actorId, context)),
      );
      return ids.length;
    },

    listActiveSessions(userIds) {
      return createSessionStore(db).listActiveByUserIds(userIds);
    },
  };
}
