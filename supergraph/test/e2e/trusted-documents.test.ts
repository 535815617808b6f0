/**
 * Trusted documents and automatic persisted queries, through the real gateway. By default
 * (TRUSTED_DOCUMENTS=off) any operation runs and APQ works: a hash the gateway has not seen is
 * PERSISTED_QUERY_NOT_FOUND, the text with its hash registers it, the hash alone then runs it.
 * With TRUSTED_DOCUMENTS=enforce (a second gateway replica on the same subgraphs) only the
 * client contract's operations run, sent by text or by hash; anything else is refused before
 * it is parsed, and nothing a client sends is stored.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { registerUser } from '../harness/users.js';

const operationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../operations');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let platform: TestPlatform;
let enforcingUrl: string;
beforeAll(async () => {
  platform = await startTestPlatform();
  ({ gatewayUrl: enforcingUrl } = await platform.startGatewayReplica({
    TRUSTED_DOCUMENTS: 'enforce',
    TRUSTED_DOCUMENTS_DIR: operationsDir,
  }));
});
afterAll(async () => {
  await platform.stop();
});

interface Response {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function post(url: string, body: Record<string, unknown>): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Response['body'] };
}

const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const codes = (response: Response) => (response.body.errors ?? []).map((error) => error.extensions?.code);

describe('automatic persisted queries (TRUSTED_DOCUMENTS=off, the default)', () => {
  const query = `query Apq { __typename } # ${Date.now()}`;

  it('asks for the text of a hash it does not know, registers it with its text, then runs it by hash', async () => {
    const unknown = await post(platform.gatewayUrl, { extensions: persisted(sha256(query)) });
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const registered = await post(platform.gatewayUrl, { query, extensions: persisted(sha256(query)) });
    expect(registered.body).toEqual({ data: { __typename: 'Query' } });

    const byHash = await post(platform.gatewayUrl, { extensions: persisted(sha256(query)) });
    expect(byHash.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a text whose hash is not the one sent with it', async () => {
    const response = await post(platform.gatewayUrl, { query, extensions: persisted(sha256('something else')) });
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
  });

  it('runs any operation sent as text', async () => {
    expect((await post(platform.gatewayUrl, { query: '{ __typename }' })).body).toEqual({
      data: { __typename: 'Query' },
    });
  });
});

describe('trusted documents (TRUSTED_DOCUMENTS=enforce)', () => {
  it('runs a contract operation sent by its exact text, and by its hash alone', async () => {
    const user = await registerUser(platform, 'trusted');
    const login = contractOperation('Login');
    const byText = await post(enforcingUrl, {
      query: login,
      variables: { email: user.email, password: user.password },
    });
    expect(byText.body.errors).toBeUndefined();
    expect(byText.body.data?.login).toMatchObject({ user: { id: user.id } });

    const byHash = await post(enforcingUrl, {
      variables: { email: user.email, password: user.password },
      extensions: persisted(sha256(login)),
    });
    expect(byHash.body.errors).toBeUndefined();
    expect(byHash.body.data?.login).toMatchObject({ user: { id: user.id } });
  });

  it('refuses any other text (403 QUERY_NOT_IN_SAFELIST), even a contract operation written differently', async () => {
    for (const query of ['{ __typename }', contractOperation('Me').replace(/\s+/g, ' ')]) {
      const response = await post(enforcingUrl, { query });
      expect(response.status).toBe(403);
      expect(codes(response)).toEqual(['QUERY_NOT_IN_SAFELIST']);
      expect(response.body.data).toBeUndefined();
    }
  });

  it('refuses an unknown hash (403 PERSISTED_QUERY_NOT_IN_LIST) and never registers one', async () => {
    const query = '{ __typename }';
    const registering = await post(enforcingUrl, { query, extensions: persisted(sha256(query)) });
    expect(codes(registering)).toEqual(['QUERY_NOT_IN_SAFELIST']);
    const byHash = await post(enforcingUrl, { extensions: persisted(sha256(query)) });
    expect(byHash.status).toBe(403);
    expect(codes(byHash)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  });
});
