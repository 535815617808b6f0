/**
 * Fails when a committed generated file differs from what codegen produces now, naming
 * each stale file. Generation runs in memory; nothing is written.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { codegenConfig } from './codegen.js';
import { permissionsOutputFile, readPermissionManifests, renderPermissionsModule } from './permissions.js';
import { repositoryRoot } from './subgraphs.js';

const outputs = (await generate({ ...codegenConfig(), cwd: repositoryRoot }, false)) as {
  filename: string;
  content: string;
}[];
const stale: string[] = [];
for (const output of outputs) {
  const file = path.resolve(repositoryRoot, output.filename);
  const committed = await readFile(file, 'utf8').catch(() => null);
  if (committed !== output.content) stale.push(path.relative(repositoryRoot, file));
}
// The permission constants are generated from the manifests the same way.
const permissionsFile = path.join(repositoryRoot, permissionsOutputFile);
const expectedPermissions = renderPermissionsModule(readPermissionManifests());
if ((await readFile(permissionsFile, 'utf8').catch(() => null)) !== expectedPermissions) {
  stale.push(permissionsOutputFile);
}
if (stale.length > 0) {
  process.stderr.write(
    `Generated resolver types are stale: ${stale.join(', ')}\nRun \`npm run codegen\` and commit the result.\n`,
  );
  process.exit(1);
}
process.stdout.write(`codegen: ${outputs.length + 1} generated file(s) up to date\n`);
