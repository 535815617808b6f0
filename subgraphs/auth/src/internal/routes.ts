/**
 * Auth's HTTP routes beside GraphQL: the public JWKS the gateway verifies access tokens
 * with, and the internal API other services call with their service credential.
 */
import {
  authenticateService,
  HttpError,
  readJsonBody,
  sendJson,
  type Route,
  type ServiceCredentials,
} from '@platform/service-kit';
import { z } from 'zod';
import type { SessionService } from '../domain/session-service.js';
import type { SigningKeyRing } from '../domain/signing-keys.js';

/** `GET /.well-known/jwks.json`: every configured public key, so keys can rotate. */
export function jwksRoute(keyRing: SigningKeyRing): Route {
  const body = keyRing.jwks;
  return {
    method: 'GET',
    path: '/.well-known/jwks.json',
    handler: ({ res }) => sendJson(res, 200, body, { 'cache-control': 'public, max-age=300' }),
  };
}

const revokeSessionsBody = z.object({
  userId: z.string().min(1).max(200),
  /** The session to keep (the caller's own after a password change), or null for all. */
  exceptSessionId: z.guid().nullable(),
  reason: z.string().min(1).max(200),
  /** Who caused the revocation when not the user (an administrator deleting them); the user by default. */
  actorId: z.guid().nullable().optional(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function internalRoutes(options: { credentials: ServiceCredentials; sessions: SessionService }): Route[] {
  return [
    {
      method: 'POST',
      path: '/internal/sessions/revoke',
      handler: async ({ req, res, logger, requestId }) => {
        const caller = authenticateService(req, options.credentials);
        const parsed = revokeSessionsBody.safeParse(await readJsonBody(req, 16_384));
        if (!parsed.success) {
          const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
          throw new HttpError(400, `Invalid request body: ${problems.join('; ')}`);
        }
        const { userId, exceptSessionId, reason, actorId } = parsed.data;
        const revoked = await options.sessions.revokeAllOfUser(userId, exceptSessionId, reason, {
          actorId: actorId === undefined ? (UUID.test(userId) ? userId : null) : actorId,
          requestId,
        });
        logger.info({ caller, userId, exceptSessionId, reason, revoked }, 'revoked sessions on internal request');
        sendJson(res, 200, { revoked });
      },
    },
  ];
}
