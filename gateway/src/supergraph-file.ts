/**
 * Serves the composed supergraph from a file and hot-reloads it when the file changes.
 * @apollo/gateway swaps schemas atomically: requests in flight finish on the schema they
 * started with, so a reload drops nothing. A file that fails to load keeps the old schema.
 */
import type { SupergraphSdlHook } from '@apollo/gateway';
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@platform/service-kit';

export interface SupergraphFileState {
  loaded: boolean;
  hash: string | null;
  reloads: number;
}

/**
 * Turns the composed supergraph into what `@apollo/gateway` loads, and returns a `commit`
 * that applies whatever else the gateway derives from it once the load succeeded.
 */
export type SupergraphPreparer = (supergraphSdl: string) => { gatewaySdl: string; commit: () => void };

export function supergraphFromFile(
  file: string,
  logger: Logger,
  state: SupergraphFileState,
  prepare: SupergraphPreparer = (sdl) => ({ gatewaySdl: sdl, commit: () => undefined }),
): SupergraphSdlHook {
  return async ({ update }) => {
    const initial = await readFile(file, 'utf8');
    const prepared = prepare(initial);
    prepared.commit();
    state.hash = createHash('sha256').update(initial).digest('hex');
    state.loaded = true;

    let timer: NodeJS.Timeout | undefined;
    const reload = async () => {
      const sdl = await readFile(file, 'utf8').catch(() => null);
      if (sdl === null || sdl.trim() === '') return; // mid-write or removed: keep serving the current schema
      const hash = createHash('sha256').update(sdl).digest('hex');
      if (hash === state.hash) return;
      try {
        const prepared = prepare(sdl);
        update(prepared.gatewaySdl);
        prepared.commit();
        state.hash = hash;
        state.reloads += 1;
        logger.info({ file, hash }, 'supergraph reloaded');
      } catch (error) {
        logger.error({ err: error, file }, 'new supergraph failed to load; still serving the previous one');
      }
    };
    // Watch the folder, not the file: editors and `npm run compose` replace files by rename.
    const watcher: FSWatcher = watch(path.dirname(file), (_event, changed) => {
      if (changed && changed !== path.basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 50);
    });
    return {
      supergraphSdl: prepared.gatewaySdl,
      cleanup: async () => {
        clearTimeout(timer);
        watcher.close();
      },
    };
  };
}
