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
  /**
   * Starts one more replica of a subgraph on `port`, built from the same environment (the same
   * database) on the same bus, as a second pod would run; stopped with the rest.
   */
  startReplica(service: string, port: number): Promise<void>;
  /**
   * Stops every running replica of a subgraph (as a crash or a rollout would), runs `whileStopped`,
   * then starts each anew from the same environment on the same port.
   */
  restart(service: string, whileStopped?: () => Promise<void>): Promise<void>;
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
    // The subgraphs start concurrently (none needs another to start: each owns its database,
    // and events wait on the bus), which overlaps their migrations; the gateway starts last.
    const starts = await Promise.allSettled(
      subgraphs.map(async (definition) => {
        const config = loadSubgraphConfig(definition, environments[definition.name]);
        const subgraph = await createSubgraph(definition, config, { logger: loggerFor(definition.name), ...shared });
        started.push(subgraph);
        jobs.set(definition.name, subgraph.jobs);
        consumersReady.push(...subgraph.consumers.map((consumer) => consumer.ready));
        await subgraph.start(options.ports[definition.name]!, '127.0.0.1');
      }),
    );
    const failed = starts.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
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
  const build = async (service: string) => {
    const definition = subgraphs.find((candidate) => candidate.name === service);
    if (!definition) throw new Error(`${service} is not a subgraph of the registry`);
    const config = loadSubgraphConfig(definition, environments[service]);
    return createSubgraph(definition, config, { logger: loggerFor(service), ...shared });
  };
  const replicaPorts = new Map<{ stop(): Promise<void> }, number>();
  const startReplica = async (service: string, port: number) => {
    const subgraph = await build(service);
    // Before the gateway in `started`, so the gateway still stops first.
    started.splice(started.length - 1, 0, subgraph);
    replicaPorts.set(subgraph, port);
    await subgraph.start(port, '127.0.0.1');
  };
  const restart = async (service: string, whileStopped?: () => Promise<void>) => {
    const running = started.flatMap((entry, index) =>
      'name' in entry && entry.name === service ? [{ entry, index }] : [],
    );
    if (running.length === 0) throw new Error(`${service} is not running here`);
    for (const { entry } of running) await entry.stop();
    await whileStopped?.();
    for (const { entry, index } of running) {
      const port = replicaPorts.get(entry) ?? options.ports[service]!;
      const subgraph = await build(service);
      started[index] = subgraph;
      replicaPorts.delete(entry);
      replicaPorts.set(subgraph, port);
      if (port === options.ports[service]) jobs.set(service, subgraph.jobs);
      await subgraph.start(port, '127.0.0.1');
    }
  };
  return {
    stop,
    startReplica,
    restart,
    jobs: (service) => jobs.get(service) ?? null,
    consumersReady: async () => {
      await Promise.all(consumersReady);
    },
  };
}
