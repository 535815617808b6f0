/**
 * The modules codegen writes besides graphql-codegen's resolver types: the permission
 * constants (from `permissions.yaml`) and the event catalog's types (from `events/`). One
 * list, so `npm run codegen` writes exactly what `npm run codegen:check` compares.
 */
import { eventTypesOutputFile, renderEventTypesModule } from './event-types.js';
import { permissionsOutputFile, readPermissionManifests, renderPermissionsModule } from './permissions.js';

export interface GeneratedModule {
  /** Relative to the repository root. */
  file: string;
  content: string;
}

export async function renderGeneratedModules(): Promise<GeneratedModule[]> {
  return [
    { file: permissionsOutputFile, content: renderPermissionsModule(readPermissionManifests()) },
    { file: eventTypesOutputFile, content: await renderEventTypesModule() },
  ];
}
