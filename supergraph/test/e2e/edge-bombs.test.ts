/**
 * The bomb suite, through the real gateway: each attack is refused quickly with its own code,
 * and no subgraph hears of it (alias, depth, token, directive and cost bombs; a batch of
 * aliased logins against the expensive-operation budget; a 10 MB body; a WebSocket frame
 * announcing 100 MiB). Then the gateway's memory after the suite, run again and again, is
 * within a few MB of before: the refusals keep nothing.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { login, registerUser } from '../harness/users.js';

/** The expensive-operation budget per client address here: below the 10 root fields one operation may have. */
const EXPENSIVE_PER_CLIENT = 5;
/** How far the heap may end above where it started (GC is forced; what is left is noise). */
const MEMORY_TOLERANCE_BYTES = 8 * 1024 * 1024;
/**
 * How long each refusal took, printed after the suite. "Quickly" is shown by what the refusal
 * skips (no subgraph is told, nothing is parsed past the limit), not asserted as a time: a
 * timing on a shared 2-core machine is no test assertion.
 */
const refusalMs: Record<string, number> = {};
afterAll(() => {
  console.info(`bomb refusals (ms): ${JSON.stringify(refusalMs)}`);
});

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({
    environment: {
      gateway: {
        EXPENSIVE_OPERATIONS_PER_CLIENT: String(EXPENSIVE_PER_CLIENT),
        // The logins below come from one forwarded address each, through a trusted proxy (us).
        TRUSTED_PROXIES: 'loopback',
      },
    },
  });
  // The first request pays for cold code paths (JIT, Apollo Server's first parse and plan):
  // "quickly" is about the refusals, not the gateway's start.
  await platform.graphql(contractOperation('Me'));
});
afterAll(async () => {
  await platform.stop();
});

const repeat = (n: number, text: (i: number) => string) => Array.from({ length: n }, (_, i) => text(i)).join(' ');
const nested = (depth: number): string => (depth === 0 ? 'id' : `roles { permissions { ${nested(depth - 1)} } }`);

type Errors = { extensions?: Record<string, unknown> }[] | undefined;
const codesOf = (errors: Errors) => (errors ?? []).map((error) => [error.extensions?.code, error.extensions?.limit]);

/** Subgraph log lines of one request: none means no subgraph was asked. */
function subgraphLinesOf(requestId: string) {
  return platform
    .logLines()
    .map((line) => JSON.parse(line) as { service?: string; requestId?: string })
    .filter((entry) => entry.requestId === requestId && entry.service !== 'gateway');
}

/** Sends a bomb, expects its refusal (`[code, limit]`) and no subgraph told of it; records how long it took. */
async function expectRefused(
  expected: [string, string | undefined],
  query: string,
  options: { variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
) {
  const requestId = `bomb-${randomBytes(6).toString('hex')}`;
  const started = performance.now();
  const response = await platform.graphql(query, options.variables ?? {}, {
    headers: { 'x-request-id': requestId, ...options.headers },
  });
  refusalMs[expected.filter(Boolean).join(' ')] = Math.round(performance.now() - started);
  expect(response.body.data ?? null).toBeNull();
  expect(codesOf(response.body.errors)).toContainEqual(expected);
  expect(subgraphLinesOf(requestId)).toEqual([]);
  return response;
}

/** A client address of its own (through the trusted proxy), so each budget starts full. */
let clients = 0;
const freshClient = () => ({ 'x-forwarded-for': `198.51.${Math.floor(++clients / 250)}.${1 + (clients % 250)}` });

const loginAliases = (n: number) =>
  `mutation { ${repeat(n, (i) => `l${i}: login(input: { email: "bomb${i}@example.test", password: "guess-${i}" }) { accessToken }`)} }`;

const bombs = {
  alias: () => expectRefused(['OPERATION_LIMIT_EXCEEDED', 'aliases'], `{ me { ${repeat(16, (i) => `a${i}: id`)} } }`),
  depth: () => expectRefused(['OPERATION_LIMIT_EXCEEDED', 'depth'], `{ me { ${nested(6)} } }`),
  token: () =>
    expectRefused(['OPERATION_LIMIT_EXCEEDED', 'tokens'], `{ ${repeat(20_000, (i) => `a${i}: __typename`)} }`),
  directive: () =>
    expectRefused(
      ['OPERATION_LIMIT_EXCEEDED', 'directives'],
      `{ me { id ${repeat(60, () => '@include(if: true)')} } }`,
    ),
  // Within every shape limit; only the page size asked for makes it expensive.
  cost: () =>
    expectRefused(
      ['OPERATION_LIMIT_EXCEEDED', 'cost'],
      'query Bomb($n: Int) { users(first: $n) { edges { node { id roles { id } sessions { id } } } } }',
      { variables: { n: 1_000_000 } },
    ),
  batchedLogin: async () => {
    const response = await expectRefused(['RATE_LIMITED', undefined], loginAliases(EXPENSIVE_PER_CLIENT + 2), {
      headers: freshClient(),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  },
  body: async () => {
    const started = performance.now();
    const response = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(10 * 1024 * 1024)}` }),
    });
    const body = (await response.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    refusalMs.body = Math.round(performance.now() - started);
    expect(response.status).toBe(413);
    expect(codesOf(body.errors)).toEqual([['PAYLOAD_TOO_LARGE', undefined]]);
  },
  webSocketFrame: async () => {
    const started = performance.now();
    const closeCode = await sendHugeWebSocketFrame(100 * 1024 * 1024);
    refusalMs.webSocketFrame = Math.round(performance.now() - started);
    expect(closeCode).toBe(1009);
  },
};

describe('the bomb suite', () => {
  it('refuses an alias bomb (OPERATION_LIMIT_EXCEEDED, aliases)', bombs.alias);
  it('refuses a depth bomb (OPERATION_LIMIT_EXCEEDED, depth)', bombs.depth);
  it('refuses a token bomb of 20,000 aliases (OPERATION_LIMIT_EXCEEDED, tokens)', bombs.token);
  it('refuses a directive bomb (OPERATION_LIMIT_EXCEEDED, directives)', bombs.directive);
  it('refuses a cost bomb: a page of a million users (OPERATION_LIMIT_EXCEEDED, cost)', bombs.cost);
  it('refuses a batch of aliased logins over the expensive-operation budget (429 RATE_LIMITED), none run', async () => {
    await bombs.batchedLogin();
    const failedLogins = platform
      .logLines()
      .filter((line) => line.includes('"service":"auth"') && line.includes('bomb0@example.test'));
    expect(failedLogins).toEqual([]);
  });
  it('refuses a 10 MB body before reading it (413 PAYLOAD_TOO_LARGE)', bombs.body);
  it('closes a WebSocket announcing a 100 MiB frame from its header (1009)', bombs.webSocketFrame);

  it('counts each aliased login against the budget, then refuses the next single login from that client', async () => {
    const user = await registerUser(platform, 'bomb');
    const client = freshClient();
    const within = await platform.graphql(loginAliases(EXPENSIVE_PER_CLIENT - 1), {}, { headers: client });
    expect(within.status).toBe(200);
    expect(within.headers.get('ratelimit-policy')).toContain(`"expensive-client";q=${EXPENSIVE_PER_CLIENT};w=300`);
    expect(within.headers.get('ratelimit')).toContain('"expensive-client";r=1;');
    await login(platform, user, client); // the last one the budget holds
    const refused = await platform.graphql(
      contractOperation('Login'),
      { email: user.email, password: user.password },
      { headers: client },
    );
    expect(refused.status).toBe(429);
    expect(codesOf(refused.body.errors)).toEqual([['RATE_LIMITED', undefined]]);
    expect(refused.body.errors?.[0]?.extensions?.retryAfter).toEqual(expect.any(Number));
    // Another client is not affected.
    await login(platform, user, freshClient());
  });
});

describe("the gateway's memory", () => {
  it(`is within ${MEMORY_TOLERANCE_BYTES / 1024 / 1024} MB after the suite, run five more times, of before`, async () => {
    const gc = forcedGc();
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return process.memoryUsage().heapUsed;
    };
    const before = await settle();
    for (let round = 0; round < 5; round++) {
      for (const bomb of Object.values(bombs)) await bomb();
    }
    const after = await settle();
    expect(after - before).toBeLessThan(MEMORY_TOLERANCE_BYTES);
  });
});

/**
 * `global.gc`, exposed at run time when node was started without `--expose-gc` (the gateway
 * runs in this process, as every end-to-end test starts the platform).
 */
function forcedGc(): () => void {
  const exposed = globalThis.gc;
  if (exposed) return () => void exposed();
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Opens a graphql-ws socket and sends the header of a `bytes`-long frame and 1 KiB of it; resolves with the close code. */
async function sendHugeWebSocketFrame(bytes: number): Promise<number> {
  const { port } = new URL(platform.gatewayUrl);
  const socket = connect(Number(port), '127.0.0.1');
  const received: Buffer[] = [];
  const ended = new Promise<Buffer>((resolve) => socket.on('close', () => resolve(Buffer.concat(received))));
  let upgraded: () => void;
  const upgrade = new Promise<void>((resolve) => (upgraded = resolve));
  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    if (Buffer.concat(received).includes('\r\n\r\n')) upgraded();
  });
  socket.write(
    [
      'GET /graphql HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Protocol: graphql-transport-ws',
      '',
      '',
    ].join('\r\n'),
  );
  await upgrade;
  // A masked text frame with a 64-bit length.
  const header = Buffer.alloc(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(bytes), 2);
  socket.write(Buffer.concat([header, Buffer.alloc(1024)]));
  const response = await ended;
  const frame = response.subarray(response.indexOf('\r\n\r\n') + 4);
  return frame[0] === 0x88 ? frame.readUInt16BE(2) : -1;
}
