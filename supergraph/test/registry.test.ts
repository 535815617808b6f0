/**
 * One registry of subgraphs (`subgraphs/registry.ts`): the launcher's environments, the
 * development secrets, rover.yaml and codegen all derive from it. The README's "Adding a
 * subgraph" is exercised here with the kit's throw-away `greetings` definition: one more
 * line in a registry, and everything that derives from it takes the new subgraph in, down
 * to a running server that accepts the gateway's proof.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createGatewayProofSigner,
  createLogger,
  createSubgraph,
  GATEWAY_PROOF_HEADER,
  internalApiCallers,
  loadSubgraphConfig,
  runsJobs,
  type Subgraph,
} from '@platform/service-kit';
import { createTestDatabase, freePort, signedIn } from '@platform/devkit/testing';
import { codegenSubgraphs } from '../../codegen/subgraphs.js';
import { JOB_SERVICES } from '../../subgraphs/authz/src/__generated__/job-services.js';
import { renderRoverConfig } from '../../codegen/rover-config.js';
import { greetingsSubgraph } from '../../service-kit/test/fixtures/greetings/definition.js';
import { generateSecrets } from '../src/platform/secrets.js';
import {
  gatewayService,
  platformRegistry,
  registryProblems,
  serviceEnvironments,
  subgraphs,
  type Registry,
} from '../src/platform/services.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the registry of subgraphs', () => {
  it('is consistent: every call goes to a service that lists its caller, and no two services share a port', () => {
    expect(registryProblems()).toEqual([]);
  });

  it('is what rover.yaml lists, in the same order, with the same schemas and ports', () => {
    const rover = parseYaml(readFileSync(path.join(repositoryRoot, 'rover.yaml'), 'utf8')) as {
      subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
    };
    expect(Object.keys(rover.subgraphs)).toEqual(subgraphs.map((subgraph) => subgraph.name));
    for (const subgraph of subgraphs) {
      expect(rover.subgraphs[subgraph.name]?.routing_url).toBe(`http://localhost:${subgraph.port}/graphql`);
      expect(path.resolve(repositoryRoot, rover.subgraphs[subgraph.name]!.schema.file)).toBe(
        fileURLToPath(subgraph.schema),
      );
    }
  });

  it('lets authz administer the jobs of every subgraph that runs jobs, and of no other', () => {
    const running = subgraphs.filter(runsJobs).map((subgraph) => subgraph.name);
    expect(running).toEqual(expect.arrayContaining(['identity', 'blog', 'notifications', 'media', 'expenses']));
    expect([...JOB_SERVICES]).toEqual(running);
    const authz = subgraphs.find((subgraph) => subgraph.name === 'authz')!;
    for (const subgraph of subgraphs) {
      const administered = running.includes(subgraph.name);
      expect(internalApiCallers(subgraph).includes('authz'), subgraph.name).toBe(
        administered || (subgraph.internalApi?.callers.includes('authz') ?? false),
      );
      expect(
        (authz.calls ?? []).some((call) => (typeof call === 'string' ? call : call.service) === subgraph.name),
        subgraph.name,
      ).toBe(administered || subgraph.name === 'identity');
    }
  });

  it('names the problem when a subgraph calls a service that does not list it as a caller', () => {
    const registry: Registry = { ...platformRegistry, subgraphs: [...subgraphs, greetingsSubgraph] };
    expect(registryProblems(registry)).toEqual([
      'greetings calls identity, whose internalApi.callers does not list greetings',
    ]);
  });
});

describe('adding a subgraph: one line in the registry', () => {
  // The README's steps for `greetings`: its folder and migrations exist (test/fixtures), and the
  // registry gains one line. It serves the gateway and calls nobody, so no other service changes.
  const greetings = { ...greetingsSubgraph, calls: [] };
  const registry: Registry = { subgraphs: [...subgraphs, greetings], gateway: gatewayService };
  const started: Subgraph[] = [];
  let dataDir: string | undefined;
  afterAll(async () => {
    for (const subgraph of started) await subgraph.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is composed by rover and typed by codegen', () => {
    const rover = parseYaml(renderRoverConfig(registry.subgraphs)) as { subgraphs: Record<string, unknown> };
    expect(rover.subgraphs.greetings).toEqual({
      routing_url: 'http://localhost:4999/graphql',
      schema: { file: './service-kit/test/fixtures/greetings/schema.graphql' },
    });
    expect(codegenSubgraphs(repositoryRoot, registry.subgraphs).map((subgraph) => subgraph.name)).toContain(
      'greetings',
    );
  });

  it('gets its credentials, its environment from the launcher, and runs with it', async () => {
    expect(registryProblems(registry)).toEqual([]);
    const secrets = await generateSecrets(registry);
    expect(secrets.serviceCredentials['gateway->greetings']).toMatch(/^svc_/);

    dataDir = await mkdtemp(path.join(tmpdir(), 'registry-test-'));
    const ports = Object.fromEntries([
      ...registry.subgraphs.map((subgraph) => [subgraph.name, subgraph.port] as const),
      ['gateway', gatewayService.port] as const,
    ]);
    ports.greetings = await freePort();
    const environments = serviceEnvironments(
      {
        nodeEnv: 'test',
        logLevel: 'silent',
        dataDir,
        repositoryRoot,
        secrets,
        databaseUrls: { greetings: await createTestDatabase('greetings') },
        ports,
      },
      registry,
    );
    // It consumes an event, so it runs jobs (the kit prunes processed ids): the jobs admin gets in too.
    expect(environments.greetings?.INTERNAL_API_CREDENTIALS).toBe(
      `gateway:${secrets.serviceCredentials['gateway->greetings']},authz:${secrets.serviceCredentials['authz->greetings']}`,
    );
    expect(environments.gateway?.SUBGRAPH_URLS).toContain(`greetings=http://127.0.0.1:${ports.greetings}/graphql`);

    const config = loadSubgraphConfig(greetings, environments.greetings);
    const subgraph = await createSubgraph(greetings, config, {
      logger: createLogger({ service: 'greetings', level: 'silent' }),
    });
    started.push(subgraph);
    const running = await subgraph.start(ports.greetings);
    const signer = createGatewayProofSigner({ privateJwk: secrets.gatewayKeys.privateJwk });
    const response = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [GATEWAY_PROOF_HEADER]: await signer.sign('greetings', signedIn('00000000-0000-4000-8000-000000000001')),
      },
      body: JSON.stringify({ query: 'mutation { greet(name: "registry") { text } }' }),
    });
    expect(await response.json()).toEqual({ data: { greet: { text: 'Hello, registry' } } });
  });
});
