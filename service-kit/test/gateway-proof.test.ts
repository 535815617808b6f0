import { describe, expect, it } from 'vitest';
import { SignJWT, importJWK } from 'jose';
import {
  createGatewayProofSigner,
  createGatewayProofVerifier,
  generateGatewayKeys,
  GatewayProofError,
} from '../src/gateway-proof.js';

describe('gateway proof', () => {
  it('round-trips the caller for the intended subgraph', async () => {
    const keys = await generateGatewayKeys();
    const signer = createGatewayProofSigner({ privateJwk: keys.privateJwk });
    const verifier = createGatewayProofVerifier({ jwks: keys.publicJwks, audience: 'identity' });
    const token = await signer.sign('identity', { userId: 'u1', sessionId: 's1', permissions: ['a.b.c', 'd.e.f'] });
    await expect(verifier.verify(token)).resolves.toEqual({
      userId: 'u1',
      sessionId: 's1',
      permissions: ['a.b.c', 'd.e.f'],
    });
    const anonymous = await signer.sign('identity', { userId: null, sessionId: null, permissions: [] });
    await expect(verifier.verify(anonymous)).resolves.toEqual({ userId: null, sessionId: null, permissions: [] });
  });

  it('refuses a proof minted for another subgraph', async () => {
    const keys = await generateGatewayKeys();
    const signer = createGatewayProofSigner({ privateJwk: keys.privateJwk });
    const verifier = createGatewayProofVerifier({ jwks: keys.publicJwks, audience: 'identity' });
    await expect(
      verifier.verify(await signer.sign('auth', { userId: 'u1', sessionId: null, permissions: [] })),
    ).rejects.toThrow(GatewayProofError);
  });

  it('refuses a proof signed by another key, a missing proof and garbage', async () => {
    const trusted = await generateGatewayKeys();
    const attacker = await generateGatewayKeys();
    const verifier = createGatewayProofVerifier({ jwks: trusted.publicJwks, audience: 'identity' });
    const forged = await createGatewayProofSigner({ privateJwk: attacker.privateJwk }).sign('identity', {
      userId: 'admin',
      sessionId: null,
      permissions: ['authz.role.write'],
    });
    await expect(verifier.verify(forged)).rejects.toThrow(/invalid gateway proof/);
    await expect(verifier.verify(undefined)).rejects.toThrow(/missing gateway proof/);
    await expect(verifier.verify('not.a.jwt')).rejects.toThrow(GatewayProofError);
  });

  it('refuses an expired proof', async () => {
    const keys = await generateGatewayKeys();
    const verifier = createGatewayProofVerifier({
      jwks: keys.publicJwks,
      audience: 'identity',
      clockToleranceSeconds: 0,
    });
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', typ: 'gateway-proof+jwt', kid: keys.privateJwk.kid! })
      .setIssuer('platform-gateway')
      .setAudience('identity')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(await importJWK(keys.privateJwk, 'EdDSA'));
    await expect(verifier.verify(expired)).rejects.toThrow(/exp/);
  });
});
