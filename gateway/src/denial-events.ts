/**
 * Publishes every authorization denial as a `platform.gateway.authorization.denied.v1`
 * event, so the audit log records who was denied which fields of which operation. The
 * gateway has no database, so there is no outbox: the event goes straight to the bus,
 * without blocking the response; a failure is logged (and counted), never shown to the client.
 */
import type { Logger } from '@platform/service-kit';
import { createEvent, topicForType, type EventTransport } from '@platform/service-kit/events';
import { Counter, type Registry } from 'prom-client';
import type { AuthorizationRequirements } from './authorization/index.js';
import type { AuthorizationDenial } from './authorization-enforcement.js';

const DENIED = 'platform.gateway.authorization.denied.v1';

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
  transport: EventTransport;
  requirements: () => AuthorizationRequirements | null;
  logger: Logger;
  registry: Registry;
}): (denial: AuthorizationDenial) => void {
  const failures = new Counter({
    name: 'gateway_denial_events_failed_total',
    help: 'Authorization denial events that could not be published',
    registers: [options.registry],
  });
  return (denial) => {
    const anonymous = denial.userId === null;
    let event;
    try {
      event = createEvent({
        type: DENIED,
        subject: denial.operationHash,
        data: {
          actorId: denial.userId,
          target: { type: 'operation', id: denial.operationHash },
          context: {
            requestId: denial.requestId,
            traceId: null,
            ip: denial.client.ip,
            userAgent: denial.client.userAgent,
          },
          userId: denial.userId,
          operationName: denial.operationName,
          operationType: denial.operationType,
          operationHash: denial.operationHash,
          deniedFields: denial.removed.map((removal) => ({
            path: removal.path.length > 0 ? removal.path.join('.') : '(operation)',
            coordinate: removal.coordinate,
            requirement: requirementOf(options.requirements(), removal.coordinate, anonymous),
          })),
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
