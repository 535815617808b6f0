/**
 * ours-nolimits: `ours` with its edge limits off (`OPERATION_LIMITS=false`, `RATE_LIMITS=false`):
 * no token, depth, alias, directive, root-field or cost limit and no rate limit runs, so
 * `--gateways ours,ours-nolimits` shows what the limits cost. Not run by default.
 */
import { runAsClusterWorker } from './cluster.js';
import { startOurGateway } from './ours.js';

await runAsClusterWorker('ours-nolimits', () =>
  startOurGateway({ ...process.env, OPERATION_LIMITS: 'false', RATE_LIMITS: 'false' }),
);
