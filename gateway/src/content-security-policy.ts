/**
 * The gateway's Content-Security-Policy: API responses load nothing; the Apollo Sandbox page
 * (development) may load the embeddable Sandbox from Apollo's CDN and frame its editor.
 */
import { API_CONTENT_SECURITY_POLICY } from '@platform/service-kit';
import type { IncomingMessage } from 'node:http';

/** Where the page @apollo/server's landing page plugin serves loads from (its own meta CSP lists the same). */
const SANDBOX_SCRIPTS = 'https://embeddable-sandbox.cdn.apollographql.com';
const SANDBOX_FRAME = 'https://sandbox.embed.apollographql.com';
const LANDING_PAGE_CDN = 'https://apollo-server-landing-page.cdn.apollographql.com';

/**
 * 'unsafe-inline' only because the page's inline script and style carry a per-page nonce we
 * cannot know here; the page's own meta CSP requires that nonce, and both policies apply.
 */
const SANDBOX_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline' ${SANDBOX_SCRIPTS}`,
  `style-src 'self' 'unsafe-inline' ${SANDBOX_SCRIPTS} https://fonts.googleapis.com`,
  'font-src https://fonts.gstatic.com',
  `img-src 'self' data: ${LANDING_PAGE_CDN}`,
  `manifest-src ${LANDING_PAGE_CDN}`,
  `frame-src ${SANDBOX_FRAME}`,
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The policy for one request: the Sandbox one for a browser's GET of /graphql when Sandbox is on. */
export function gatewayContentSecurityPolicy(sandbox: boolean) {
  return (req: IncomingMessage, url: URL): string =>
    sandbox && req.method === 'GET' && url.pathname === '/graphql' && (req.headers.accept ?? '').includes('text/html')
      ? SANDBOX_CONTENT_SECURITY_POLICY
      : API_CONTENT_SECURITY_POLICY;
}
