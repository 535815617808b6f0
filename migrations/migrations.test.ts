/**
 * Migrations are frozen history: once a migration has run, what it does must never change
 * because shared code changed. So a migration holds the SQL it needs and imports nothing
 * but knex's types (`import type`) and Node built-ins: no kit code, no other package, no
 * helper beside it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const migrationsDir = path.dirname(fileURLToPath(import.meta.url));

/** Every import of `source` that a migration may not have, as `line N: what`. */
function forbiddenImports(source: string, fileName = 'migration.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const problems: string[] = [];
  const report = (node: ts.Node, what: string) =>
    problems.push(`line ${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${what}`);
  const check = (node: ts.Node, specifier: ts.Node | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) {
      report(node, 'imports a module named by an expression');
      return;
    }
    const name = specifier.text;
    if (isBuiltin(name)) return;
    if (name === 'knex' && typeOnly) return;
    report(node, `imports ${JSON.stringify(name)}${name === 'knex' ? ' as a value (use import type)' : ''}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      check(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      check(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      check(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      check(node, ts.isLiteralTypeNode(argument) ? argument.literal : undefined, true);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      check(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return problems;
}

/** Everything in every migration folder (`migrations/<database>/`), relative to `migrations/`. */
function migrationFiles(): string[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((folder) => readdirSync(path.join(migrationsDir, folder.name)).map((name) => `${folder.name}/${name}`))
    .sort();
}

describe('migrations', () => {
  it('import nothing but knex types and Node built-ins', () => {
    const files = migrationFiles();
    expect(files.length).toBeGreaterThan(0);
    const problems = files.flatMap((file) =>
      forbiddenImports(readFileSync(path.join(migrationsDir, file), 'utf8'), file).map(
        (problem) => `${file} ${problem}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('are timestamp-named TypeScript files, one folder per database, and nothing else', () => {
    for (const file of migrationFiles()) {
      expect(file).toMatch(/^[a-z][a-z0-9_-]*\/\d{14}_[a-z0-9_]+\.ts$/);
    }
  });

  it('catches each way of importing live code', () => {
    expect(forbiddenImports("import type { Knex } from 'knex';\nimport { createHash } from 'node:crypto';")).toEqual(
      [],
    );
    expect(
      forbiddenImports(
        [
          "import { OUTBOX_TABLE } from '@platform/service-kit/events';",
          "import { Knex } from 'knex';",
          "import { type Knex as K } from 'knex';",
          "export { up } from '../identity/20251121090000_create_users.js';",
          "const kit = await import('@platform/service-kit');",
          "const helper = require('./helper');",
        ].join('\n'),
      ),
    ).toEqual([
      'line 1: imports "@platform/service-kit/events"',
      'line 2: imports "knex" as a value (use import type)',
      'line 3: imports "knex" as a value (use import type)',
      'line 4: imports "../identity/20251121090000_create_users.js"',
      'line 5: imports "@platform/service-kit"',
      'line 6: imports "./helper"',
    ]);
  });
});
