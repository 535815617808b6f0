/**
 * stock: @apollo/gateway behind @apollo/server's startStandaloneServer, all defaults, as
 * the public benchmark runs Apollo Gateway. The reference point the others are compared to.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readFile } from 'node:fs/promises';
import { runAsClusterWorker, type RunningGateway } from './cluster.js';

export async function startStockGateway(
  supergraphSdl: string,
  port: number,
  host = '127.0.0.1',
): Promise<RunningGateway> {
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
  const { url } = await startStandaloneServer(server, { listen: { port, host } });
  // startStandaloneServer answers GraphQL on every path; /graphql like the others.
  return { url: new URL('/graphql', url).href, stop: () => server.stop() };
}

await runAsClusterWorker('stock', async (options) =>
  startStockGateway(await readFile(options.supergraphPath, 'utf8'), options.port, options.host),
);
