/**
 * The limits at the edge of the gateway's graphql-ws endpoint, each set by a `WS_*` variable:
 * message size (1009, refused from the frame header), connections per client address (HTTP
 * 429) and in total (HTTP 503), subscriptions per connection (SUBSCRIPTION_LIMIT_EXCEEDED, the
 * socket stays open), and the access token's expiry, which closes the socket itself (4403).
 */
import { WebSocketCloseCode } from '@platform/service-kit';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gatewayClient, record, startHarness, waitFor, type Harness } from './harness.js';

const PER_CLIENT = 3;
const TOTAL = 5;
const SUBSCRIPTIONS = 2;

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    config: {
      WS_MAX_MESSAGE_BYTES: '65536',
      WS_MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
      WS_MAX_CONNECTIONS: String(TOTAL),
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: String(SUBSCRIPTIONS),
      TRUSTED_PROXIES: '127.0.0.8',
    },
  });
});

afterAll(async () => {
  await harness?.stop();
});

/** Opens a socket from `localAddress` (any 127.x address reaches the gateway on 127.0.0.1). */
function open(localAddress: string, forwardedFor?: string): Promise<{ socket: WebSocket } | { status: number }> {
  const socket = new WebSocket(harness.wsUrl, 'graphql-transport-ws', {
    localAddress,
    ...(forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

async function openSockets(localAddress: string, count: number, forwardedFor?: string): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 1) {
    const opened = await open(localAddress, forwardedFor);
    if (!('socket' in opened)) throw new Error(`connection ${i + 1} refused with ${opened.status}`);
    sockets.push(opened.socket);
  }
  return sockets;
}

/** Closes `sockets` and waits until the gateway has seen them go (its counts drop on close). */
async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.close();
        }),
    ),
  );
}

describe('graphql-ws limits at the gateway', () => {
  it('closes with 1009 on a 100 MiB frame from its header, without reading it or waiting for connection_init', async () => {
    const { port } = new URL(harness.gatewayUrl);
    const socket = connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    const ended = new Promise<Buffer>((resolve) => socket.on('close', () => resolve(Buffer.concat(received))));
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.write(
      [
        'GET /graphql HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Protocol: graphql-transport-ws',
        '',
        '',
      ].join('\r\n'),
    );
    await waitFor(() => Buffer.concat(received).includes('\r\n\r\n'));
    // A masked text frame announcing 100 MiB (64-bit length), then only its first bytes.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(100 * 1024 * 1024), 2);
    socket.write(Buffer.concat([header, Buffer.alloc(1024)]));

    const response = await ended;
    const frame = response.subarray(response.indexOf('\r\n\r\n') + 4);
    expect(response.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    expect(frame[0]).toBe(0x88); // a close frame
    expect(frame.readUInt16BE(2)).toBe(1009);
  });

  it('refuses a connection beyond the per-client limit with 429, before connection_init', async () => {
    const sockets = await openSockets('127.0.0.2', PER_CLIENT);
    expect(await open('127.0.0.2')).toEqual({ status: 429 });
    // Another client is not affected.
    const other = await openSockets('127.0.0.3', 1);
    await closeAll([...sockets, ...other]);
    // Closed connections no longer count.
    await closeAll(await openSockets('127.0.0.2', 1));
  });

  it('counts connections through a trusted proxy by the client its X-Forwarded-For names', async () => {
    const sockets = await openSockets('127.0.0.8', PER_CLIENT, '203.0.113.1');
    expect(await open('127.0.0.8', '203.0.113.1')).toEqual({ status: 429 });
    sockets.push(...(await openSockets('127.0.0.8', 1, '203.0.113.2')));
    await closeAll(sockets);
  });

  it('refuses a connection beyond the total limit with 503', async () => {
    const sockets = [
      ...(await openSockets('127.0.0.4', PER_CLIENT)),
      ...(await openSockets('127.0.0.5', TOTAL - PER_CLIENT)),
    ];
    expect(await open('127.0.0.6')).toEqual({ status: 503 });
    await closeAll(sockets);
  });

  it('refuses a subscription beyond the per-connection limit with SUBSCRIPTION_LIMIT_EXCEEDED, and keeps the others', async () => {
    const { client } = gatewayClient(harness, { accessToken: harness.mintToken('u1') });
    const live = Array.from({ length: SUBSCRIPTIONS }, () => record(client, 'subscription { heartbeat }'));
    await waitFor(() => live.every((subscription) => subscription.results.length > 0));

    const refused = record(client, 'subscription { heartbeat }');
    expect(await refused.ended).toEqual([
      expect.objectContaining({
        message: `This connection already has ${SUBSCRIPTIONS} subscriptions: complete one before starting another`,
        extensions: { code: 'SUBSCRIPTION_LIMIT_EXCEEDED', limit: SUBSCRIPTIONS },
      }),
    ]);
    const counts = live.map((subscription) => subscription.results.length);
    await waitFor(() => live.every((subscription, i) => subscription.results.length > counts[i]!));

    // Completing one makes room for another.
    live[0]!.unsubscribe();
    const next = record(client, 'subscription { heartbeat }');
    await waitFor(() => next.results.length > 0);
    next.unsubscribe();
    live[1]!.unsubscribe();
    await client.dispose();
  });

  it('closes the connection with 4403 when its access token expires, with no subscription running', async () => {
    const opened = await open('127.0.0.7');
    if (!('socket' in opened)) throw new Error(`refused with ${opened.status}`);
    const { socket } = opened;
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
    const acknowledged = new Promise<void>((resolve) => socket.once('message', () => resolve()));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { accessToken: harness.mintToken('u1', 400) } }));
    await acknowledged;
    expect(await closed).toEqual({ code: WebSocketCloseCode.Forbidden, reason: 'Access token expired' });
  });
});
