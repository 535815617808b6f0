/** The client contract's operations, sent to the gateway exactly as clients send them. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, type DefinitionNode, type DocumentNode } from 'graphql';

const operationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../operations');

const documents: DocumentNode[] = readdirSync(operationsDir)
  .filter((file) => file.endsWith('.graphql'))
  .map((file) => parse(readFileSync(path.join(operationsDir, file), 'utf8')));

const byName = new Map<string, DefinitionNode>();
for (const document of documents) {
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) byName.set(definition.name.value, definition);
  }
}

/** The text of contract operation `name` (e.g. `Login`). */
export function contractOperation(name: string): string {
  const definition = byName.get(name);
  if (!definition) throw new Error(`no contract operation named ${name} in ${operationsDir}`);
  return print({ kind: Kind.DOCUMENT, definitions: [definition] });
}
