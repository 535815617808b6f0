/**
 * The platform's committed operations (`supergraph/operations/*.graphql`, the client
 * contract), so tests send exactly what clients send instead of restating it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, type DefinitionNode } from 'graphql';

const operationsDir = fileURLToPath(new URL('../../../supergraph/operations/', import.meta.url));

let byName: Map<string, DefinitionNode> | undefined;

function operations(): Map<string, DefinitionNode> {
  if (byName) return byName;
  byName = new Map();
  for (const file of readdirSync(operationsDir).filter((name) => name.endsWith('.graphql'))) {
    for (const definition of parse(readFileSync(path.join(operationsDir, file), 'utf8')).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION && definition.name)
        byName.set(definition.name.value, definition);
    }
  }
  return byName;
}

/** The text of the committed operation `name` (e.g. `Login`). */
export function contractOperation(name: string): string {
  const definition = operations().get(name);
  if (!definition) throw new Error(`no operation named ${name} in ${operationsDir}`);
  return print({ kind: Kind.DOCUMENT, definitions: [definition] });
}
