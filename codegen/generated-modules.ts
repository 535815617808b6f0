/**
 * The files codegen writes besides graphql-codegen's resolver types: the permission
 * constants (from `permissions.yaml`), the event catalog's types (from `events/`), the known
 * operation names (from `supergraph/operations/`), rover.yaml, the configuration reference
 * and the services authz administers jobs of (from the registry). One list, so `npm run codegen` writes
 * exactly what `npm run codegen:check` compares.
 */
import { CONFIGURATION_DOCS_FILE, configurationDocs } from './configuration-docs.js';
import { eventTypesOutputFile, renderEventTypesModule } from './event-types.js';
import { JOB_SERVICES_FILE, renderJobServices } from './job-services.js';
import { knownOperationsOutputFile, readKnownOperationNames, renderKnownOperationsModule } from './known-operations.js';
import { permissionsOutputFile, readPermissionManifests, renderPermissionsModule } from './permissions.js';
import { renderRoverConfig, ROVER_CONFIG_FILE } from './rover-config.js';

export interface GeneratedModule {
  /** Relative to the repository root. */
  file: string;
  content: string;
  /** Imported by the generators themselves, so a change needs a second pass to settle. */
  importedByGenerators?: boolean;
}

export async function renderGeneratedModules(): Promise<GeneratedModule[]> {
  return [
    { file: permissionsOutputFile, content: renderPermissionsModule(readPermissionManifests()) },
    { file: eventTypesOutputFile, content: await renderEventTypesModule() },
    { file: knownOperationsOutputFile, content: renderKnownOperationsModule(readKnownOperationNames()) },
    { file: ROVER_CONFIG_FILE, content: renderRoverConfig() },
    { file: CONFIGURATION_DOCS_FILE, content: configurationDocs() },
    { file: JOB_SERVICES_FILE, content: renderJobServices(), importedByGenerators: true },
  ];
}
