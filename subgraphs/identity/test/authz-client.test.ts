import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InternalCallError, randomToken } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthzClient, LastAdminError } from '../src/authz-client.js';

describe('authz client', () => {
  const credential = randomToken('svc_');
  const requests: { method?: string; url: string; authorization?: string; requestId?: string; body: unknown }[] = [];
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    // A stand-in for authz's internal API, answering by the user id it receives.
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        const body = JSON.parse(text) as { userId: string };
        requests.push({
          method: req.method,
          url: req.url ?? '',
          authorization: req.headers.authorization,
          requestId: req.headers['x-request-id'] as string | undefined,
          body,
        });
        const [status, answer] =
          body.userId === 'last-admin'
            ? [409, { error: 'cannot remove the last admin' }]
            : body.userId === 'broken'
              ? [500, { error: 'boom' }]
              : [200, { ok: true }];
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('assigns the default role with our credential and the request id', async () => {
    const authz = createAuthzClient({ authzInternalUrl: baseUrl, credential });
    await authz.assignDefaultRole('user-1', 'req-1');
    expect(requests.at(-1)).toEqual({
      method: 'POST',
      url: '/internal/users/default-role',
      authorization: `Bearer ${credential}`,
      requestId: 'req-1',
      body: { userId: 'user-1' },
    });
  });

  it('removes a user', async () => {
    const authz = createAuthzClient({ authzInternalUrl: baseUrl, credential });
    await authz.removeUser('user-2', 'req-2');
    expect(requests.at(-1)).toMatchObject({ url: '/internal/users/remove', body: { userId: 'user-2' } });
  });

  it('turns a 409 on removal into LastAdminError', async () => {
    const authz = createAuthzClient({ authzInternalUrl: baseUrl, credential });
    const failure = await authz.removeUser('last-admin', 'req-3').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LastAdminError);
    expect((failure as LastAdminError).userId).toBe('last-admin');
  });

  it('fails with the call error on any other answer', async () => {
    const authz = createAuthzClient({ authzInternalUrl: baseUrl, credential });
    await expect(authz.removeUser('broken', 'req-4')).rejects.toBeInstanceOf(InternalCallError);
    await expect(authz.assignDefaultRole('broken', 'req-5')).rejects.toThrow(/500/);
  });

  it('keeps a path prefix of the configured URL', async () => {
    const authz = createAuthzClient({ authzInternalUrl: `${baseUrl}/authz/`, credential });
    await authz.assignDefaultRole('user-3', 'req-6');
    expect(requests.at(-1)?.url).toBe('/authz/internal/users/default-role');
  });
});
