/**
 * ours-nodedup: `ours` with inbound deduplication off (`INBOUND_DEDUPLICATION=off`): every one
 * of the 50 identical anonymous requests is executed (planned, fetched, merged, serialized).
 * Identical subgraph fetches in flight are still shared (`SUBGRAPH_DEDUPLICATION`, the default).
 */
import { runAsClusterWorker } from './cluster.js';
import { startOurGateway } from './ours.js';

await runAsClusterWorker('ours-nodedup', () => startOurGateway({ ...process.env, INBOUND_DEDUPLICATION: 'off' }));
