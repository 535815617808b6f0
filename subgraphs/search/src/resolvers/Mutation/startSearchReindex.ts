/** `Mutation.startSearchReindex`: begins a rebuild of the index from listings (see `reindex.ts`). */
import { conflict, Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { RebuildRunningError } from '../../engine/rebuild-lock.js';

export const startSearchReindex: MutationResolvers['startSearchReindex'] = async (_parent, _args, context) => {
  requirePermission(context, Permission.SearchIndexRebuild);
  try {
    const { startedAt } = await context.reindexer.start();
    context.logger.info({ engine: context.engine.name }, 'search index rebuild started by an admin');
    return { engine: context.engine.name === 'postgres' ? 'POSTGRES' : 'OPENSEARCH', startedAt };
  } catch (error) {
    if (error instanceof RebuildRunningError) throw conflict(error.message);
    throw error;
  }
};
