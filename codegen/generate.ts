/**
 * `npm run codegen`: graphql-codegen's typed resolvers for every subgraph of the registry,
 * then the other generated files (`generated-modules.ts`). `npm run codegen:check` compares
 * the same outputs with what is committed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { codegenConfig } from './codegen.js';
import { renderGeneratedModules } from './generated-modules.js';
import { repositoryRoot } from './subgraphs.js';

await generate({ ...codegenConfig(), cwd: repositoryRoot }, true);
for (const { file, content } of await renderGeneratedModules()) {
  const target = path.join(repositoryRoot, file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  process.stdout.write(`codegen: wrote ${file}\n`);
}
