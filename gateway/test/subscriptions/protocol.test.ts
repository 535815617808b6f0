/**
 * The graphql-ws protocol's close codes on the gateway's `/graphql`, spoken over a raw socket:
 * 4400 (invalid message), 4401 (subscribe before the acknowledgement), 4408 (no
 * `connection_init` within the configured wait), 4409 (a subscription id in use), 4429 (a
 * second `connection_init`), and 4403 (a bad access token; none is an anonymous connection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, type Harness } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  await harness.setPermissions('u1', ['audit.log.read']);
});

afterAll(async () => {
  await harness?.stop();
});

interface RawSocket {
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  messages: unknown[];
  send(message: unknown): void;
  /** Resolves with the next message of `type`. */
  next(type: string): Promise<Record<string, unknown>>;
}

async function open(protocol: string | null = 'graphql-transport-ws', url = harness.wsUrl): Promise<RawSocket> {
  const socket = protocol === null ? new WebSocket(url) : new WebSocket(url, protocol);
  const messages: Record<string, unknown>[] = [];
  const waiting: { type: string; resolve: (message: Record<string, unknown>) => void }[] = [];
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    const index = waiting.findIndex((waiter) => waiter.type === message.type);
    if (index >= 0) waiting.splice(index, 1)[0]!.resolve(message);
    else messages.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    closed,
    messages,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (type) =>
      new Promise((resolve) => {
        const index = messages.findIndex((message) => (message as { type?: unknown }).type === type);
        if (index >= 0) resolve(messages.splice(index, 1)[0] as Record<string, unknown>);
        else waiting.push({ type, resolve });
      }),
  };
}

async function acknowledged(): Promise<RawSocket> {
  const raw = await open();
  raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${harness.mintToken('u1')}` } });
  await raw.next('connection_ack');
  return raw;
}

const subscribe = (id: string) => ({
  id,
  type: 'subscribe',
  payload: { query: 'subscription { auditEvents { id } }' },
});

describe('graphql-ws close codes', () => {
  it('4400 on a message that is not valid JSON, or not a protocol message', async () => {
    const garbage = await acknowledged();
    garbage.send('this is not json');
    expect(await garbage.closed).toEqual({ code: 4400, reason: 'Invalid message received' });

    const shapeless = await acknowledged();
    shapeless.send({ type: 'subscribe', payload: { query: '{ __typename }' } });
    expect((await shapeless.closed).code).toBe(4400);
  });

  it('4401 on subscribe before the connection is acknowledged', async () => {
    const raw = await open();
    raw.send(subscribe('1'));
    expect(await raw.closed).toEqual({ code: 4401, reason: 'Unauthorized' });
  });

  it('4403 on connection_init with a bad access token; none is an anonymous connection', async () => {
    const raw = await open();
    raw.send({ type: 'connection_init', payload: { authorization: 'Bearer not-a-token' } });
    expect(await raw.closed).toEqual({ code: 4403, reason: 'Forbidden' });

    const anonymous = await open();
    anonymous.send({ type: 'connection_init', payload: {} });
    expect(await anonymous.next('connection_ack')).toMatchObject({ type: 'connection_ack' });
    anonymous.socket.close();
  });

  it('4408 when connection_init does not arrive within the configured wait', async () => {
    // A gateway of its own with a short wait: the other tests keep the harness's generous one.
    const impatient = await startHarness({ config: { WS_CONNECTION_INIT_TIMEOUT_MS: '200' } });
    try {
      const raw = await open('graphql-transport-ws', impatient.wsUrl);
      const started = Date.now();
      expect(await raw.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await impatient.stop();
    }
  });

  it('4409 when a subscription id is already in use', async () => {
    const raw = await acknowledged();
    raw.send(subscribe('same'));
    raw.send(subscribe('same'));
    expect(await raw.closed).toEqual({ code: 4409, reason: 'Subscriber for same already exists' });
  });

  it('4429 on a second connection_init', async () => {
    const raw = await acknowledged();
    raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${harness.mintToken('u1')}` } });
    expect(await raw.closed).toEqual({ code: 4429, reason: 'Too many initialisation requests' });
  });

  it('4406 on a socket that does not ask for graphql-transport-ws', async () => {
    const raw = await open(null);
    expect((await raw.closed).code).toBe(4406);
  });

  it('answers ping with pong and completes a subscription on request', async () => {
    const raw = await acknowledged();
    raw.send({ type: 'ping' });
    expect(await raw.next('pong')).toEqual({ type: 'pong' });
    raw.send(subscribe('s1'));
    // The upstream subscription is open once the audit subgraph counts a subscriber.
    for (let attempt = 0; attempt < 500 && harness.stream.size === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    harness.stream.publish({ id: 'p1', action: 'user.login', actorId: null });
    expect(await raw.next('next')).toEqual({
      id: 's1',
      type: 'next',
      payload: { data: { auditEvents: { id: 'p1' } } },
    });
    raw.send({ id: 's1', type: 'complete' });
    for (let attempt = 0; attempt < 500 && harness.stream.size > 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(harness.stream.size).toBe(0);
    raw.socket.close(1000);
    expect((await raw.closed).code).toBe(1000);
  });
});
