/**
 * The internal API: identity hands over the links it mails (email verification, password
 * reset) here, synchronously after the token's transaction commits. Links are credentials,
 * so they never travel in events to every consumer and are never logged; they live only in the
 * mail (and its delivery row, until the token expires and the row can be pruned).
 *
 *   POST /internal/mail/link   Authorization: Bearer <service credential>
 *   { "userId", "email", "name"?, "purpose": "email_verification" | "password_reset", "link" }
 *   →  202 { "queued": boolean }   (false: this link was handed over before, nothing new is sent)
 */
import type { IncomingMessage } from 'node:http';
import { HttpError, readJsonBody, sendJson, sha256Hex, type Database, type Route } from '@platform/service-kit';
import { z } from 'zod';
import { notify, type NotifyDependencies } from '../domain/notify.js';
import { deliveries, recipients } from '../stores/index.js';

const BODY_LIMIT_BYTES = 16 * 1024;

const linkBody = z.object({
  userId: z.uuid(),
  email: z.string().min(3).max(254),
  /** Absent when identity does not have it at hand (a reset request): the copy from its events is used. */
  name: z.string().min(1).max(200).optional(),
  purpose: z.enum(['email_verification', 'password_reset']),
  link: z.url().max(2048),
});

export function createInternalRoutes(dependencies: {
  db: Database;
  authenticateService: (req: IncomingMessage) => string;
  notify: NotifyDependencies;
}): Route[] {
  return [
    {
      method: 'POST',
      path: '/internal/mail/link',
      handler: async ({ req, res, logger }) => {
        // identity is the only caller the definition admits.
        dependencies.authenticateService(req);
        const body = linkBody.safeParse(await readJsonBody(req, BODY_LIMIT_BYTES));
        if (!body.success) {
          throw new HttpError(400, 'The body must be JSON: { userId, email, name, purpose, link }');
        }
        const { userId, email, name, purpose, link } = body.data;
        // The link's hash identifies it: a retried call claims the same delivery and sends nothing new.
        const sourceKey = `link:${sha256Hex(link)}`;
        const queued = await dependencies.db.transaction(async (trx) => {
          // identity owns the address; it may be newer than the registered event we have not read yet.
          await recipients.upsert(trx, { userId, email, name });
          const before = await deliveries.exists(trx, sourceKey);
          await notify(trx, dependencies.notify, { sourceKey, userId, kind: purpose, data: { link }, mailOnly: true });
          return !before;
        });
        logger.info({ userId, purpose, queued }, 'mail link handed over');
        sendJson(res, 202, { queued });
      },
    },
  ];
}
