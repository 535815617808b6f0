/** `GET /.well-known/jwks.json`: the public keys the gateway verifies access tokens with. */
import { sendJson, type Route } from '@platform/service-kit';
import type { SigningKeyRing } from './domain/signing-keys.js';

/** Every configured public key, so keys can rotate; cached for five minutes. */
export function jwksRoute(keyRing: SigningKeyRing): Route {
  const body = keyRing.jwks;
  return {
    method: 'GET',
    path: '/.well-known/jwks.json',
    handler: ({ res }) => sendJson(res, 200, body, { 'cache-control': 'public, max-age=300' }),
  };
}
