import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInternalClient, randomToken } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityCredentialsVerifier } from '../src/identity-client.js';

describe('identity credentials verifier', () => {
  const credential = randomToken('svc_');
  const requests: { url: string; authorization?: string; requestId?: string; body: unknown }[] = [];
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    // A stand-in for identity's internal endpoint, answering by the password it receives.
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        const body = JSON.parse(text) as { email: string; password: string };
        requests.push({
          url: req.url ?? '',
          authorization: req.headers.authorization,
          requestId: req.headers['x-request-id'] as string | undefined,
          body,
        });
        const [status, answer] =
          req.url === '/internal/users/lookup'
            ? [200, { userId: body.email === 'known@example.test' ? 'user-1' : null }]
            : body.password === 'right'
              ? [200, { userId: 'user-1', email: 'a@example.test' }]
              : body.password === 'broken'
                ? [500, { error: 'boom' }]
                : [401, { error: 'Invalid credentials' }];
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('returns the user id when identity accepts the credentials', async () => {
    const verifier = createIdentityCredentialsVerifier(createInternalClient({ baseUrl: baseUrl, credential }));
    await expect(verifier.verify('a@example.test', 'right', 'req-1')).resolves.toEqual({
      userId: 'user-1',
      email: 'a@example.test',
    });
    expect(requests.at(-1)).toEqual({
      url: '/internal/credentials/verify',
      authorization: `Bearer ${credential}`,
      requestId: 'req-1',
      body: { email: 'a@example.test', password: 'right' },
    });
  });

  it('returns null when identity answers 401', async () => {
    const verifier = createIdentityCredentialsVerifier(createInternalClient({ baseUrl: baseUrl, credential }));
    await expect(verifier.verify('a@example.test', 'wrong', 'req-2')).resolves.toBeNull();
  });

  it('fails on any other answer from identity', async () => {
    const verifier = createIdentityCredentialsVerifier(createInternalClient({ baseUrl: baseUrl, credential }));
    await expect(verifier.verify('a@example.test', 'broken', 'req-3')).rejects.toThrow(/500/);
  });

  it('keeps a path prefix of the configured URL', async () => {
    const verifier = createIdentityCredentialsVerifier(
      createInternalClient({ baseUrl: `${baseUrl}/identity`, credential }),
    );
    await verifier.verify('a@example.test', 'wrong', 'req-4');
    expect(requests.at(-1)?.url).toBe('/identity/internal/credentials/verify');
  });

  it('looks up the account of an address at /internal/users/lookup', async () => {
    const verifier = createIdentityCredentialsVerifier(createInternalClient({ baseUrl: baseUrl, credential }));
    await expect(verifier.findUserId!('known@example.test', 'req-5')).resolves.toBe('user-1');
    expect(requests.at(-1)).toMatchObject({
      url: '/internal/users/lookup',
      requestId: 'req-5',
      body: { email: 'known@example.test' },
    });
    await expect(verifier.findUserId!('other@example.test', 'req-6')).resolves.toBeNull();
  });
});
