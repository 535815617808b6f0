/**
 * A subgraph is a declaration: the throw-away `greetings` definition (test/fixtures) is
 * built through the same kit path as every platform subgraph, and shows each part of a
 * definition at work: configuration, migrations, GraphQL behind the proof, the internal
 * API, declared calls, consumed events, readiness and the stop order.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, NO_REQUEST } from '@platform/service-kit/events';
import { ConfigError, loadSubgraphConfig } from '../src/index.js';
import {
  anonymous,
  errorCode,
  eventually,
  signedIn,
  startSubgraph,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import { greetingsSubgraph } from './fixtures/greetings/definition.js';

const GREET = 'mutation ($name: String!) { greet(name: $name) { id text } }';
const GREETINGS = '{ greetings { text } }';

describe('a declared subgraph', () => {
  let greetings: SubgraphHarness<typeof greetingsSubgraph>;

  beforeAll(async () => {
    greetings = await startSubgraph(greetingsSubgraph, { env: { GREETING_SALUTATION: 'Ahoy' } });
  });
  afterAll(() => greetings?.stop());

  it('reads its own variables beside the base ones and the ones its calls need', () => {
    expect(greetings.config.GREETING_SALUTATION).toBe('Ahoy');
    expect(greetings.config.PORT).toBe(4999);
    expect(greetings.subgraph.exposed.identityUrl()).toBe('http://127.0.0.1:9');
  });

  it('reports every missing variable of the definition at once', () => {
    let error: unknown;
    try {
      loadSubgraphConfig(greetingsSubgraph, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).issues.map((issue) => issue.split(':')[0]).sort();
    expect(variables).toEqual([
      'DATABASE_URL',
      'GATEWAY_PUBLIC_JWKS',
      'IDENTITY_INTERNAL_CREDENTIAL',
      'IDENTITY_INTERNAL_URL',
      'INTERNAL_API_CREDENTIALS',
      'NODE_ENV',
    ]);
  });

  it('refuses credentials for a service its internal API does not serve', () => {
    expect(() =>
      loadSubgraphConfig(greetingsSubgraph, {
        DATABASE_URL: greetings.databaseUrl,
        GATEWAY_PUBLIC_JWKS: JSON.stringify({ keys: [{ kty: 'OKP' }] }),
        IDENTITY_INTERNAL_URL: 'http://127.0.0.1:9',
        IDENTITY_INTERNAL_CREDENTIAL: 'x'.repeat(32),
        INTERNAL_API_CREDENTIALS: `billing:${'y'.repeat(32)}`,
      }),
    ).toThrow(/names an unknown service "billing": greetings's internal API serves gateway/);
  });

  it('migrates its database and serves its schema behind the gateway proof', async () => {
    const created = await greetings.graphql<{ greet: { text: string } }>(
      GREET,
      { name: 'Ada' },
      signedIn(randomUUID()),
    );
    expect(created.body.data?.greet.text).toBe('Ahoy, Ada');
    const refused = await fetch(`${greetings.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: GREETINGS }),
    });
    expect(refused.status).toBe(401);
  });

  it('reports bad input with BAD_USER_INPUT fields keyed by argument path, and anonymous callers as UNAUTHENTICATED', async () => {
    const bad = await greetings.graphql(GREET, { name: ' ' }, signedIn(randomUUID()));
    expect(bad.body.errors?.[0]?.extensions?.fields).toEqual({ name: 'is required' });
    expect(errorCode(await greetings.graphql(GREET, { name: 'Ada' }, anonymous))).toBe('UNAUTHENTICATED');
  });

  it('serves its internal API to the declared callers only', async () => {
    expect(await greetings.internal('gateway', '/internal/whoami', {})).toEqual({
      status: 200,
      body: { caller: 'gateway' },
    });
    const refused = await greetings.internal('gateway', '/internal/whoami', {}, { authorization: 'Bearer nope' });
    expect(refused.status).toBe(401);
  });

  it('applies the events it consumes once each, whoever publishes them', async () => {
    const event = createEvent({
      type: 'platform.identity.user.registered.v1',
      subject: randomUUID(),
      data: {
        actorId: null,
        target: { type: 'user', id: randomUUID() },
        context: NO_REQUEST,
        userId: randomUUID(),
        email: 'grace@example.com',
        name: 'Grace',
        emailVerified: false,
      },
    });
    await greetings.publish([event, event]);
    await eventually(async () => {
      const { body } = await greetings.graphql<{ greetings: { text: string }[] }>(GREETINGS);
      return body.data?.greetings.some((greeting) => greeting.text === 'Welcome, grace@example.com');
    }, 'the welcome greeting');
    const processed = await greetings.db('processed_events').where({ consumer: 'greetings', event_id: event.id });
    expect(processed).toHaveLength(1);
    const welcomes = await greetings.db('greetings').where({ text: 'Welcome, grace@example.com' });
    expect(welcomes).toHaveLength(1);
  });

  it('runs no outbox relay when it publishes nothing, so an idle subgraph logs no error', async () => {
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(greetings.logEntries().filter((entry) => (entry.level as number) >= 50)).toEqual([]);
    const metrics = await (await fetch(`${greetings.url}/metrics`)).text();
    expect(metrics).not.toContain('outbox_pending');
  });

  it('refuses to start when it would publish without an outbox table, naming the fix', async () => {
    // The same definition, publishing (the default), over migrations that create no outbox.
    const publishing = { ...greetingsSubgraph, name: 'greetings-publishing', publishes: undefined };
    await expect(startSubgraph(publishing)).rejects.toThrow(
      'greetings-publishing has no outbox table but publishes events: add the outbox migration, or declare publishes: false',
    );
  });

  it('is ready when its database answers', async () => {
    const response = await fetch(`${greetings.url}/readyz`);
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: true } });
  });
});
