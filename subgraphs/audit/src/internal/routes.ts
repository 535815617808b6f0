/**
 * The internal API other services call (never the supergraph), authenticated by their
 * service credential (`Authorization: Bearer <token>`). Besides the events the consumers
 * record from the bus, services can record directly:
 *
 *   POST /internal/audit/events  (identity, auth, authz, gateway)
 *        { eventId, type, subject?, time?, data? }   (a CloudEvent, see `AuditEventInput`)
 *        → 201 { id, recorded: true } | 200 { id, recorded: false } (already recorded)
 *
 * The event's `source` is always `/platform/<calling service>`: a service cannot speak for another.
 * A missing or wrong credential is 401; an event that cannot be recorded is 400 with
 * `{ error }` saying why.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError, readJsonBody, sendJson, type Route } from '@platform/service-kit';
import { InvalidAuditEventError, type AuditEventInput, type RecordResult } from '../domain/record.js';

const BODY_LIMIT_BYTES = 64 * 1024;

export interface InternalRouteDependencies {
  /** The calling service's name, from its credential (the kit's; 401 without a valid one). */
  authenticateService: (req: IncomingMessage) => string;
  record(input: AuditEventInput): Promise<RecordResult>;
}

export function createInternalRoutes(dependencies: InternalRouteDependencies): Route[] {
  return [
    {
      method: 'POST',
      path: '/internal/audit/events',
      handler: async ({ req, res, logger }) => {
        const caller = dependencies.authenticateService(req);
        const body = await readJsonBody(req, BODY_LIMIT_BYTES);
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          throw new HttpError(400, 'The body must be a JSON object: a CloudEvent with eventId and type');
        }
        let result: RecordResult;
        try {
          result = await dependencies.record({ ...(body as AuditEventInput), source: `/platform/${caller}` });
        } catch (error) {
          if (error instanceof InvalidAuditEventError) throw new HttpError(400, error.message);
          throw error;
        }
        logger.debug({ caller, id: result.event.id, recorded: result.recorded }, 'audit event received');
        sendJson(res, result.recorded ? 201 : 200, { id: result.event.id, recorded: result.recorded });
      },
    },
  ];
}
