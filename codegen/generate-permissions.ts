/** Writes the permission constants; run by `npm run codegen`. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { permissionsOutputFile, readPermissionManifests, renderPermissionsModule } from './permissions.js';
import { repositoryRoot } from './subgraphs.js';

const file = path.join(repositoryRoot, permissionsOutputFile);
await mkdir(path.dirname(file), { recursive: true });
await writeFile(file, renderPermissionsModule(readPermissionManifests()));
process.stdout.write(`codegen: wrote ${permissionsOutputFile}\n`);
