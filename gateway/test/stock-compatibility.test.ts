/**
 * The committed supergraph, with the standard authorization directives, is what stock
 * tools expect: stock `@apollo/composition` composes the subgraphs of rover.yaml into it,
 * stock `@apollo/gateway` refuses it as is (SECURITY features), and loads the gateway's
 * stripped copy.
 */
import { ApolloGateway } from '@apollo/gateway';
import { composeServices } from '@apollo/composition';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readAuthorization } from '../src/authorization/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const committed = readFileSync(path.join(root, 'supergraph/supergraph.graphql'), 'utf8');

async function loadInStockGateway(supergraphSdl: string): Promise<void> {
  const gateway = new ApolloGateway({ supergraphSdl });
  try {
    await gateway.load();
  } finally {
    await gateway.stop();
  }
}

describe('the committed supergraph and stock Apollo tools', () => {
  it('is composed by stock @apollo/composition from the subgraphs of rover.yaml', () => {
    const rover = parseYaml(readFileSync(path.join(root, 'rover.yaml'), 'utf8')) as {
      subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
    };
    const result = composeServices(
      Object.entries(rover.subgraphs).map(([name, subgraph]) => ({
        name,
        url: subgraph.routing_url,
        typeDefs: parse(readFileSync(path.join(root, subgraph.schema.file), 'utf8')),
      })),
    );
    expect(result.errors).toBeUndefined();
    expect(result.supergraphSdl).toContain('@requiresScopes');
    expect(result.supergraphSdl).toContain('@policy');
  });

  it('is refused by stock @apollo/gateway as it is, because it links SECURITY features', async () => {
    await expect(loadInStockGateway(committed)).rejects.toThrow(/SECURITY/);
  });

  it('loads in stock @apollo/gateway once the gateway has stripped the security features', async () => {
    const { gatewaySupergraphSdl, requirements } = readAuthorization(committed);
    await expect(loadInStockGateway(gatewaySupergraphSdl)).resolves.toBeUndefined();
    expect(requirements.fields.size).toBeGreaterThan(0);
  });
});
