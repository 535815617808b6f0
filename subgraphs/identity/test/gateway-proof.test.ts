import {
  createGatewayProofSigner,
  generateGatewayKeys,
  GATEWAY_PROOF_HEADER,
  type GatewayProofSigner,
} from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, signedIn } from '@platform/devkit/testing';
import { startIdentity, type IdentityHarness } from './support.js';

const ME = 'query Me { me { id } }';

describe('the GraphQL endpoint', () => {
  let identity: IdentityHarness;
  let otherSigner: GatewayProofSigner;
  beforeAll(async () => {
    identity = await startIdentity();
    otherSigner = createGatewayProofSigner({ privateJwk: (await generateGatewayKeys('intruder')).privateJwk });
  });
  afterAll(() => identity.stop());

  const post = (headers: Record<string, string>) => postGraphQL(identity.url, { query: ME }, headers);

  it('refuses a request without a gateway proof with 401', async () => {
    const response = await post({});
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('refuses a request that claims a user through an x-user-id header without a proof', async () => {
    const user = await identity.register();
    const response = await post({ 'x-user-id': user.id });
    expect(response.status).toBe(401);
  });

  it('refuses a proof signed by a key the gateway does not own', async () => {
    const user = await identity.register();
    const response = await post({ [GATEWAY_PROOF_HEADER]: await otherSigner.sign('identity', signedIn(user.id)) });
    expect(response.status).toBe(401);
  });

  it('refuses a genuine gateway proof minted for another subgraph', async () => {
    const user = await identity.register();
    const response = await post({ [GATEWAY_PROOF_HEADER]: await identity.proof(signedIn(user.id), 'auth') });
    expect(response.status).toBe(401);
  });

  it('serves a request with a genuine proof for this subgraph', async () => {
    const user = await identity.register();
    const response = await post({ [GATEWAY_PROOF_HEADER]: await identity.proof(signedIn(user.id)) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: { id: user.id } } });
  });

  it('reports ready when the database answers', async () => {
    const response = await fetch(`${identity.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: true } });
  });
});
