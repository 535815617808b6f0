/**
 * The internal API other services call (never the supergraph), each endpoint for one
 * caller service, authenticated by its service credential (`Authorization: Bearer <token>`):
 *
 *   POST /internal/permissions/effective  (gateway)   { userId }
 *        → 200 { userId, permissions: string[], roles: string[], version: number }
 *   GET  /internal/permissions/version    (gateway)
 *        → 200 { version: number }
 *   POST /internal/users/remove           (identity, before deleting a user)   { userId }
 *        → 200 { removed: number } | 409 { error: 'cannot remove the last admin' }
 *
 * A missing or wrong credential is 401, a service calling another's endpoint 403, and a
 * body that is not `{ "userId": "<uuid>" }` 400, each with `{ error }` saying why. A new
 * user's default role is no call: authz gives it on identity's `user.registered` event.
 */
import { ErrorCode, HttpError, readJsonBody, sendJson, type Route, type RouteHandler } from '@platform/service-kit';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Actor } from '../domain/changes.js';
import { normaliseUuid, UUID_PATTERN } from '../domain/ids.js';
import type { RbacService } from '../domain/rbac.js';
import { NO_REQUEST } from '@platform/service-kit/events';

const BODY_LIMIT_BYTES = 16 * 1024;

const userBody = z.object({ userId: z.string().regex(UUID_PATTERN) });

export interface InternalRouteDependencies {
  /** The calling service's name from its credential (the kit's); 401 without a valid one. */
  authenticateService: (req: IncomingMessage) => string;
  rbac: RbacService;
}

async function readUserId(req: IncomingMessage): Promise<string> {
  const body = userBody.safeParse(await readJsonBody(req, BODY_LIMIT_BYTES));
  if (!body.success) throw new HttpError(400, 'The body must be JSON: { "userId": "<the user\'s UUID>" }');
  return normaliseUuid(body.data.userId);
}

export function createInternalRoutes(dependencies: InternalRouteDependencies): Route[] {
  const { authenticateService, rbac } = dependencies;
  /** The calling service's name when it is `allowed` here: 401 without a valid credential, 403 for another service. */
  const authenticate = (req: IncomingMessage, allowed: string, path: string): string => {
    const caller = authenticateService(req);
    if (caller !== allowed) throw new HttpError(403, `The ${caller} service may not call ${path}`, 'FORBIDDEN');
    return caller;
  };
  const route = (
    method: Route['method'],
    path: string,
    caller: string,
    handle: (info: Parameters<RouteHandler>[0] & { actor: Actor }) => Promise<void>,
  ): Route => ({
    method,
    path,
    handler: async (info) => {
      const name = authenticate(info.req, caller, path);
      // A service acts for the platform: no actor, only the request id it passed on.
      const actor: Actor = {
        logger: info.logger,
        requestId: info.requestId,
        by: `service:${name}`,
        userId: null,
        context: { ...NO_REQUEST, requestId: info.requestId },
      };
      await handle({ ...info, actor });
    },
  });

  return [
    route('POST', '/internal/permissions/effective', 'gateway', async ({ req, res }) => {
      const userId = await readUserId(req);
      const access = await rbac.effectiveAccess(userId);
      sendJson(res, 200, { userId, permissions: access.permissions, roles: access.roles, version: access.version });
    }),
    route('GET', '/internal/permissions/version', 'gateway', async ({ res }) => {
      sendJson(res, 200, { version: await rbac.version() });
    }),
    route('POST', '/internal/users/remove', 'identity', async ({ req, res, actor }) => {
      const userId = await readUserId(req);
      let removed: number;
      try {
        removed = await rbac.removeUser(actor, userId);
      } catch (error) {
        if ((error as { extensions?: { code?: unknown } }).extensions?.code === ErrorCode.Conflict) {
          actor.logger.info({ by: actor.by, userId }, 'refused to remove the last admin');
          sendJson(res, 409, { error: 'cannot remove the last admin' });
          return;
        }
        throw error;
      }
      sendJson(res, 200, { removed });
    }),
  ];
}
