/**
 * Fails when a committed generated file differs from what codegen produces now, naming
 * each stale file. Generation runs in memory; nothing is written.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { codegenConfig } from './codegen.js';
import { renderGeneratedModules } from './generated-modules.js';
import { repositoryRoot } from './subgraphs.js';

const resolverTypes = (await generate({ ...codegenConfig(), cwd: repositoryRoot }, false)) as {
  filename: string;
  content: string;
}[];
const outputs = [
  ...resolverTypes.map((output) => ({
    file: path.relative(repositoryRoot, path.resolve(repositoryRoot, output.filename)),
    content: output.content,
  })),
  // The permission constants and the event catalog's types, generated the same way.
  ...(await renderGeneratedModules()),
];
const stale: string[] = [];
for (const output of outputs) {
  const committed = await readFile(path.join(repositoryRoot, output.file), 'utf8').catch(() => null);
  if (committed !== output.content) stale.push(output.file);
}
if (stale.length > 0) {
  process.stderr.write(
    `Generated files are stale: ${stale.join(', ')}\nRun \`npm run codegen\` and commit the result.\n`,
  );
  process.exit(1);
}
process.stdout.write(`codegen: ${outputs.length} generated file(s) up to date\n`);
