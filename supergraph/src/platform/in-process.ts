/**
 * Every service of the platform in this one process, each built from its own environment
 * exactly as its standalone `main.ts` would build it, sharing one in-process event bus.
 * `npm start` runs this way when no Kafka is configured (so events still reach audit), and
 * the end-to-end tests always do.
 */
import { createAuditServer } from '@platform/audit';
import { loadAuditConfig } from '@platform/audit/config';
import { createAuthServer } from '@platform/auth';
import { loadAuthConfig } from '@platform/auth/config';
import { createAuthzServer } from '@platform/authz';
import { loadAuthzConfig } from '@platform/authz/config';
import { createGatewayServer, type GatewayDependencies } from '@platform/gateway';
import { loadGatewayConfig } from '@platform/gateway/config';
import { createIdentityServer } from '@platform/identity';
import { loadIdentityConfig } from '@platform/identity/config';
import type { Environment, Logger } from '@platform/service-kit';
import type { EventTransport } from '@platform/service-kit/events';

export interface InProcessPlatform {
  /** Stops the gateway first, then the subgraphs. */
  stop(): Promise<void>;
}

export async function startServicesInProcess(options: {
  environments: Record<string, Environment>;
  ports: Record<string, number>;
  loggerFor: (service: string) => Logger;
  /** One bus shared by every service; without it, each builds its own from KAFKA_BROKERS. */
  eventTransport?: EventTransport;
  gatewayDependencies?: Omit<GatewayDependencies, 'logger'>;
}): Promise<InProcessPlatform> {
  const { environments, loggerFor, eventTransport } = options;
  const shared = eventTransport ? { eventTransport } : {};
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const server of started.reverse()) await server.stop();
  };
  try {
    const build = [
      [
        'identity',
        () =>
          createIdentityServer(loadIdentityConfig(environments.identity), {
            logger: loggerFor('identity'),
            eventTransport,
          }),
      ],
      ['auth', () => createAuthServer(loadAuthConfig(environments.auth), { logger: loggerFor('auth'), ...shared })],
      [
        'authz',
        () => createAuthzServer(loadAuthzConfig(environments.authz), { logger: loggerFor('authz'), ...shared }),
      ],
      [
        'audit',
        () => createAuditServer(loadAuditConfig(environments.audit), { logger: loggerFor('audit'), ...shared }),
      ],
    ] as const;
    for (const [name, create] of build) {
      const server = await create();
      started.push(server);
      await server.start(options.ports[name]!, '127.0.0.1');
    }
    const gateway = createGatewayServer(loadGatewayConfig(environments.gateway), {
      logger: loggerFor('gateway'),
      ...shared,
      ...options.gatewayDependencies,
    });
    started.push(gateway);
    await gateway.start(options.ports.gateway!, '127.0.0.1');
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
