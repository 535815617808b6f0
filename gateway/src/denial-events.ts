/**
 * Publishes every authorization denial as a `platform.gateway.authorization.denied.v1`
 * event, so the audit log records who was denied which fields of which operation. The
 * gateway has no database, so there is no outbox: the event goes straight to the bus,
 * without blocking the response; a failure is logged (and counted), never shown to the client.
 *
 * The event always fits its schema: what the client controls (User-Agent, request id, the
 * number of fields an operation asks for) is cut to the schema's limits, each cut counted in
 * `gateway_denial_events_truncated_total`, so no denial goes unrecorded for being too large.
 */
import type { Logger } from '@platform/service-kit';
import { createEvent, topicForType, type EventPublisher } from '@platform/service-kit/events';
import { Counter, type Registry } from 'prom-client';
import type { AuthorizationRequirements } from './authorization/index.js';
import { activeTraceIds } from '@platform/service-kit/telemetry';
import type { AuthorizationDenial } from './authorization-enforcement.js';

const DENIED = 'platform.gateway.authorization.denied.v1';

/**
 * The limits of `events/catalog/platform.gateway.authorization.denied.v1.json` (and the
 * `requestContext`, `deniedField` and `target` of `events/common.schema.json`) on what varies per request.
 */
const LIMITS = {
  requestId: 128,
  ip: 64,
  userAgent: 512,
  operationName: 200,
  path: 500,
  deniedFields: 100,
} as const;

/** What may be cut, the label values of `gateway_denial_events_truncated_total`. */
type Truncated = keyof typeof LIMITS;

/** At most `max` code points (JSON Schema's `maxLength` counts code points), the last one `…` when cut. */
function cut(value: string, max: number): string {
  const codePoints = Array.from(value);
  return codePoints.length <= max ? value : `${codePoints.slice(0, max - 1).join('')}…`;
}

/** Which directive denied: an anonymous caller fails `@authenticated` first, then scopes, then policies. */
function requirementOf(
  requirements: AuthorizationRequirements | null,
  coordinate: string,
  anonymous: boolean,
): 'authenticated' | 'requiresScopes' | 'policy' {
  const requirement = requirements?.fields.get(coordinate) ?? requirements?.types.get(coordinate);
  if (!requirement || (anonymous && requirement.authenticated)) return 'authenticated';
  if (requirement.scopes) return 'requiresScopes';
  if (requirement.policies) return 'policy';
  return 'authenticated';
}

export function createDenialPublisher(options: {
  transport: EventPublisher;
  requirements: () => AuthorizationRequirements | null;
  logger: Logger;
  registry: Registry;
}): (denial: AuthorizationDenial) => void {
  const failures = new Counter({
    name: 'gateway_denial_events_failed_total',
    help: 'Authorization denial events that could not be published',
    registers: [options.registry],
  });
  const truncations = new Counter<'field'>({
    name: 'gateway_denial_events_truncated_total',
    help: 'Values cut to fit the authorization denial event schema, by field (deniedFields: the list was capped)',
    labelNames: ['field'],
    registers: [options.registry],
  });
  /** `value` within the limit of `field`, counting a cut. */
  const fit = <T extends string | null>(field: Truncated, value: T): T => {
    if (value === null || value.length <= LIMITS[field]) return value;
    const fitted = cut(value, LIMITS[field]);
    if (fitted !== value) truncations.inc({ field });
    return fitted as T;
  };
  return (denial) => {
    const anonymous = denial.userId === null;
    const listed = denial.removed.slice(0, LIMITS.deniedFields);
    if (listed.length < denial.removed.length) truncations.inc({ field: 'deniedFields' });
    let event;
    try {
      event = createEvent({
        type: DENIED,
        subject: denial.operationHash,
        data: {
          actorId: denial.userId,
          target: { type: 'operation', id: denial.operationHash },
          context: {
            requestId: fit('requestId', denial.requestId),
            traceId: activeTraceIds()?.traceId ?? null,
            ip: fit('ip', denial.client.ip),
            userAgent: fit('userAgent', denial.client.userAgent),
          },
          userId: denial.userId,
          operationName: fit('operationName', denial.operationName),
          operationType: denial.operationType,
          operationHash: denial.operationHash,
          deniedFields: listed.map((removal) => ({
            path: removal.path.length > 0 ? fit('path', removal.path.join('.')) : '(operation)',
            coordinate: removal.coordinate,
            requirement: requirementOf(options.requirements(), removal.coordinate, anonymous),
          })),
          deniedFieldCount: denial.removed.length,
          outcome: 'denied',
        },
      });
    } catch (error) {
      // A denial that cannot become a valid event is still denied; only its record is lost.
      failures.inc();
      options.logger.error(
        { err: error, requestId: denial.requestId },
        'could not build an authorization denial event',
      );
      return;
    }
    options.transport
      .publish([{ topic: topicForType(DENIED), key: event.subject, value: JSON.stringify(event) }])
      .catch((error: unknown) => {
        failures.inc();
        options.logger.error(
          { err: error, requestId: denial.requestId },
          'could not publish an authorization denial event',
        );
      });
  };
}
