/** Writes the generated modules of `generated-modules.ts`; run by `npm run codegen`. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderGeneratedModules } from './generated-modules.js';
import { repositoryRoot } from './subgraphs.js';

for (const { file, content } of await renderGeneratedModules()) {
  const target = path.join(repositoryRoot, file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  process.stdout.write(`codegen: wrote ${file}\n`);
}
