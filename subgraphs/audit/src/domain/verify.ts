/**
 * Verifying the hash chain: every row is read in chain order from one consistent snapshot,
 * its hash recomputed from its fields and compared with the stored one, and its previous
 * hash compared with the hash of the row before it. The first row where either differs is
 * reported: a row changed in place, inserted out of turn, or a row removed before it.
 */
import type { Database } from '@platform/service-kit';
import { createAuditLogStore } from '../stores/audit-log-store.js';
import { chainHash, GENESIS_HASH } from './chain.js';

/** Rows read per query: bounded memory, however long the log. */
const BATCH_SIZE = 1000;

export interface ChainVerification {
  /** True when every row's hash and link check out. */
  valid: boolean;
  /** The rows examined: all of them when valid, up to and including the first broken one otherwise. */
  checked: number;
  /** The id of the first row that does not check out; null when valid. */
  firstBrokenId: string | null;
  /** The hash of the last row examined (the chain's head when valid); null for an empty log. */
  lastHash: string | null;
}

export async function verifyAuditChain(db: Database, options: { batchSize?: number } = {}): Promise<ChainVerification> {
  const batchSize = options.batchSize ?? BATCH_SIZE;
  return db.transaction(
    async (trx) => {
      const store = createAuditLogStore(trx);
      let expectedPrevious = GENESIS_HASH;
      let lastSeq = 0;
      let checked = 0;
      for (;;) {
        const rows = await store.chainAfter(lastSeq, batchSize);
        for (const row of rows) {
          checked += 1;
          const intact = row.previousHash === expectedPrevious && chainHash(row) === row.hash;
          if (!intact) return { valid: false, checked, firstBrokenId: row.id, lastHash: row.hash };
          expectedPrevious = row.hash;
          lastSeq = row.seq;
        }
        if (rows.length < batchSize) {
          return { valid: true, checked, firstBrokenId: null, lastHash: checked > 0 ? expectedPrevious : null };
        }
      }
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}
