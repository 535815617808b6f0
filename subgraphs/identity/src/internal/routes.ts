/**
 * The internal API other services call (never the supergraph). The auth service checks a
 * login's email and password here and gets the user id back, and names the account an
 * address belongs to when repeated failures locked it (for its account.locked event).
 *
 *   POST /internal/credentials/verify   Authorization: Bearer <service credential>
 *   { "email": string, "password": string }  →  200 { "userId", "email" } | 401 { "error": "invalid credentials" }
 *   (the address as stored, so auth can answer a login's `user { email }` without a second trip here)
 *   POST /internal/users/lookup         Authorization: Bearer <service credential>
 *   { "email": string }  →  200 { "userId": string | null }
 */
import type { IncomingMessage } from 'node:http';
import { HttpError, readJsonBody, sendJson, type Route } from '@platform/service-kit';
import { z } from 'zod';
import { checkCredentials } from '../domain/credentials.js';
import { normaliseEmail } from '../domain/email.js';
import type { PasswordHasher } from '../domain/passwords.js';
import type { UserStore } from '../stores/user-store.js';

const BODY_LIMIT_BYTES = 16 * 1024;

const credentialsBody = z.object({
  email: z.string().max(1024),
  password: z.string().max(4096),
});

const lookupBody = z.object({ email: z.string().max(1024) });

export interface InternalRouteDependencies {
  /** The calling service's name from its credential; 401 without a valid one (the kit's). */
  authenticateService: (req: IncomingMessage) => string;
  users: UserStore;
  passwords: PasswordHasher;
}

/** Credentials are auth's business alone: another caller of identity's internal API (authz, for jobs) is refused. */
function authenticateAuth(dependencies: InternalRouteDependencies, req: IncomingMessage): string {
  const caller = dependencies.authenticateService(req);
  if (caller !== 'auth') throw new HttpError(403, `${caller} may not call this route`, 'FORBIDDEN');
  return caller;
}

export function createInternalRoutes(dependencies: InternalRouteDependencies): Route[] {
  return [
    {
      method: 'POST',
      path: '/internal/credentials/verify',
      handler: async ({ req, res, logger }) => {
        const caller = authenticateAuth(dependencies, req);
        const body = credentialsBody.safeParse(await readJsonBody(req, BODY_LIMIT_BYTES));
        if (!body.success) throw new HttpError(400, 'The body must be JSON: { "email": string, "password": string }');

        const verified = await checkCredentials({ ...dependencies, logger }, body.data);
        if (!verified) {
          logger.info({ caller }, 'credentials refused');
          sendJson(res, 401, { error: 'invalid credentials' });
          return;
        }
        logger.info({ caller, userId: verified.userId }, 'credentials verified');
        sendJson(res, 200, verified);
      },
    },
    {
      method: 'POST',
      path: '/internal/users/lookup',
      handler: async ({ req, res, logger }) => {
        const caller = authenticateAuth(dependencies, req);
        const body = lookupBody.safeParse(await readJsonBody(req, BODY_LIMIT_BYTES));
        if (!body.success) throw new HttpError(400, 'The body must be JSON: { "email": string }');
        const userId = await dependencies.users.findIdByEmail(normaliseEmail(body.data.email));
        logger.info({ caller, found: userId !== null }, 'user looked up by email');
        sendJson(res, 200, { userId });
      },
    },
  ];
}
