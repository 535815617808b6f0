/**
 * `npm run codegen`: graphql-codegen's typed resolvers for every subgraph of the registry,
 * then the other generated files (`generated-modules.ts`). `npm run codegen:check` compares
 * the same outputs with what is committed.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { codegenConfig } from './codegen.js';
import { renderGeneratedModules } from './generated-modules.js';
import { repositoryRoot } from './subgraphs.js';

await generate({ ...codegenConfig(), cwd: repositoryRoot }, true);
let changedImportedModule = false;
for (const { file, content, importedByGenerators } of await renderGeneratedModules()) {
  const target = path.join(repositoryRoot, file);
  const before = await readFile(target, 'utf8').catch(() => null);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  if (importedByGenerators && before !== content) changedImportedModule = true;
  process.stdout.write(`codegen: wrote ${file}\n`);
}
// A generated module this process already imported changed (authz's job services feed the
// configuration reference): render once more in a fresh process, which imports the new one.
if (changedImportedModule && !process.env.CODEGEN_SECOND_PASS) {
  const rerun = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, CODEGEN_SECOND_PASS: '1' },
  });
  process.exitCode = rerun.status ?? 1;
}
