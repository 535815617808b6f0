/**
 * Verifies the hash chain on a timer, not only when an operator asks (`Query.verifyAuditChain`):
 * a row changed or removed behind the triggers' back is found within one period, and pages
 * someone through `audit_chain_verifications_total{result="broken"}` (deploy/monitoring/alerts.yml).
 * Every verification, scheduled or asked for, is counted and a broken chain logged as an error.
 * Each replica verifies on its own: the read is one snapshot in batches, and two replicas
 * verifying the same chain is harmless.
 */
import { zeroedCounter, type Database, type Logger } from '@platform/service-kit';
import type { Registry } from 'prom-client';
import { verifyAuditChain, type ChainVerification } from './domain/verify.js';

/** How often each replica verifies the whole chain; the first run is at start. */
const CHAIN_VERIFY_INTERVAL_MS = 15 * 60_000;

export interface ChainMonitor {
  /** Verifies the chain now, counting and logging the result. */
  verify: () => Promise<ChainVerification>;
  /** Verifies now, then every interval. */
  start: () => void;
  stop: () => void;
}

export function createChainMonitor(options: {
  db: Database;
  registry: Registry;
  logger: Logger;
  intervalMs?: number;
}): ChainMonitor {
  const { db, logger } = options;
  const verifications = zeroedCounter(
    options.registry,
    {
      name: 'audit_chain_verifications_total',
      help: 'Audit log hash chain verifications (scheduled and asked for), by result: intact, broken, failed (could not run)',
      labelNames: ['result'],
    },
    [{ result: 'intact' }, { result: 'broken' }, { result: 'failed' }],
  );
  let timer: NodeJS.Timeout | undefined;

  async function verify(): Promise<ChainVerification> {
    let result: ChainVerification;
    try {
      result = await verifyAuditChain(db);
    } catch (error) {
      verifications.inc({ result: 'failed' });
      throw error;
    }
    verifications.inc({ result: result.valid ? 'intact' : 'broken' });
    if (!result.valid) {
      logger.error(
        { firstBrokenId: result.firstBrokenId, checked: result.checked },
        'the audit log hash chain is broken',
      );
    }
    return result;
  }

  const scheduled = () =>
    verify().catch((error: unknown) => logger.warn({ err: error }, 'the scheduled audit chain verification failed'));

  return {
    verify,
    start() {
      if (timer) return;
      void scheduled();
      timer = setInterval(() => void scheduled(), options.intervalMs ?? CHAIN_VERIFY_INTERVAL_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
