/**
 * Every service of the platform in this one process, each built from its own environment
 * exactly as its standalone `main.ts` would build it (`createSubgraph` from its definition),
 * sharing one in-process event bus. `npm start` runs this way when no Kafka is configured (so
 * events still reach their consumers), and the end-to-end tests always do.
 */
import { createGatewayServer, type GatewayDependencies } from '@platform/gateway';
import { loadGatewayConfig } from '@platform/gateway/config';
import {
  createSubgraph,
  loadSubgraphConfig,
  type Environment,
  type JobDeclarations,
  type JobSender,
  type Logger,
} from '@platform/service-kit';
import type { EventTransport } from '@platform/service-kit/events';
import { subgraphs } from './services.js';

export interface InProcessPlatform {
  /** A subgraph's job sender (null when it runs no jobs): a test runs a scheduled job now. */
  jobs(service: string): JobSender<JobDeclarations> | null;
  /** Resolves once every subgraph's declared consumers receive (with Kafka: joined their groups). */
  consumersReady(): Promise<void>;
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
  const jobs = new Map<string, JobSender<JobDeclarations> | null>();
  const consumersReady: Promise<void>[] = [];
  const stop = async () => {
    for (const server of started.reverse()) await server.stop();
  };
  try {
    for (const definition of subgraphs) {
      const config = loadSubgraphConfig(definition, environments[definition.name]);
      const subgraph = await createSubgraph(definition, config, { logger: loggerFor(definition.name), ...shared });
      started.push(subgraph);
      jobs.set(definition.name, subgraph.jobs);
      consumersReady.push(...subgraph.consumers.map((consumer) => consumer.ready));
      await subgraph.start(options.ports[definition.name]!, '127.0.0.1');
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
  return {
    stop,
    jobs: (service) => jobs.get(service) ?? null,
    consumersReady: async () => {
      await Promise.all(consumersReady);
    },
  };
}
