/**
 * The subgraphs whose resolvers are typed by codegen: every subgraph of rover.yaml. Each
 * has `src/schema.graphql`, `src/context.ts` exporting `Context`, and optionally
 * `src/mappers.ts` whose `export interface <Type>Model` declarations become mappers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface CodegenSubgraph {
  name: string;
  schemaFile: string;
  outputFile: string;
  mappers: Record<string, string>;
}

export function codegenSubgraphs(root = repositoryRoot): CodegenSubgraph[] {
  const rover = parseYaml(readFileSync(path.join(root, 'rover.yaml'), 'utf8')) as {
    subgraphs: Record<string, { schema: { file: string } }>;
  };
  return Object.entries(rover.subgraphs).map(([name, subgraph]) => {
    const schemaFile = path.join(root, subgraph.schema.file);
    const sourceDir = path.dirname(schemaFile);
    const mappersFile = path.join(sourceDir, 'mappers.ts');
    const mappers: Record<string, string> = {};
    if (existsSync(mappersFile)) {
      for (const match of readFileSync(mappersFile, 'utf8').matchAll(/export (?:interface|type) (\w+)Model\b/g)) {
        mappers[match[1]!] = `../mappers.js#${match[1]!}Model`;
      }
    }
    return {
      name,
      schemaFile: path.relative(root, schemaFile),
      outputFile: path.relative(root, path.join(sourceDir, '__generated__', 'resolvers-types.ts')),
      mappers,
    };
  });
}
