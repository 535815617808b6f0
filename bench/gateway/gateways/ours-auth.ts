/**
 * ours-auth: `ours` in its production configuration, but every one of the 50 clients sends its
 * own access token (`Authorization: Bearer`, a user and session of its own): the token is
 * verified (EdDSA, against the JWKS the harness serves as auth would), the caller's permissions
 * come from an authz stand-in (once per user, then cached as in production), rate limits count
 * per user too, and each user gets its own caller proof. Inbound deduplication stays at its
 * default (`anonymous`), which never shares an authenticated request, and identical subgraph
 * fetches are only shared within one caller, so nothing here is answered twice from one execution.
 */
import { runAsClusterWorker } from './cluster.js';
import { startOurGateway } from './ours.js';

await runAsClusterWorker('ours-auth', () => startOurGateway(process.env));
