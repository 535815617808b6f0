/**
 * The subgraphs whose resolvers are typed by codegen: every definition of the registry
 * (`subgraphs/registry.ts`). Each has its `schema.graphql`, a `context.ts` beside it
 * exporting `Context`, and optionally a `mappers.ts` whose `export interface <Type>Model`
 * declarations become mappers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnySubgraphDefinition } from '@platform/service-kit';
import { subgraphs } from '../subgraphs/registry.js';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface CodegenSubgraph {
  name: string;
  schemaFile: string;
  outputFile: string;
  mappers: Record<string, string>;
}

export function codegenSubgraphs(
  root = repositoryRoot,
  definitions: readonly AnySubgraphDefinition[] = subgraphs,
): CodegenSubgraph[] {
  return definitions.map((subgraph) => {
    const schemaFile = fileURLToPath(subgraph.schema);
    const sourceDir = path.dirname(schemaFile);
    const mappersFile = path.join(sourceDir, 'mappers.ts');
    const mappers: Record<string, string> = {};
    if (existsSync(mappersFile)) {
      for (const match of readFileSync(mappersFile, 'utf8').matchAll(/export (?:interface|type) (\w+)Model\b/g)) {
        mappers[match[1]!] = `../mappers.js#${match[1]!}Model`;
      }
    }
    return {
      name: subgraph.name,
      schemaFile: path.relative(root, schemaFile),
      outputFile: path.relative(root, path.join(sourceDir, '__generated__', 'resolvers-types.ts')),
      mappers,
    };
  });
}
