import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Each lib's index.ts is its public surface: what other libs and apps import from `@kizuna/<lib>`,
 * and nothing else (docs/ARCHITECTURE.md). Something only the lib itself or tests use stays
 * unexported there; tests import it from its file.
 */

const root = resolve(__dirname, '..');

/** Wider than that until work in flight lands (issue #11); remove an entry when it does. */
const pending: Record<string, string[] | 'all'> = {
  // The measurement definitions land before the analytics API and rollups that will use them (#12).
  analytics: 'all',
  // Only messaging's sending-policy spec imports these (its tables are in the env syntax).
  config: ['parseFrequencyCapRules', 'parseQuietHours'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(path);
    }
    return path.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(path) ? [path] : [];
  });
}

const parse = (path: string) => ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);

/** The names an index.ts exports; it names each one (no `export *`, which would hide the list). */
function exportsOf(lib: string): string[] {
  const index = parse(join(root, 'libs', lib, 'src/index.ts'));
  return index.statements.flatMap((statement) => {
    if (!ts.isExportDeclaration(statement) || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) {
      throw new Error(`libs/${lib}/src/index.ts: only \`export { ... } from\` lists its surface`);
    }
    return statement.exportClause.elements.map((e) => e.name.text);
  });
}

/** Names product code imports from `@kizuna/<lib>`, by lib, leaving out a lib's imports of itself. */
function importedFromOutside(): Map<string, Set<string>> {
  const imported = new Map<string, Set<string>>();
  const files = ['apps', 'libs'].flatMap((dir) => sourceFiles(join(root, dir)));
  for (const file of files) {
    const importer = /^libs\/([^/]+)\//.exec(relative(root, file))?.[1];
    const visit = (node: ts.Node): void => {
      const specifier =
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
          ? node.moduleSpecifier.text
          : undefined;
      const lib = specifier?.startsWith('@kizuna/') ? specifier.slice('@kizuna/'.length) : undefined;
      if (lib !== undefined && lib !== importer) {
        const names = imported.get(lib) ?? new Set<string>();
        imported.set(lib, names);
        const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : undefined;
        const clause = ts.isExportDeclaration(node) ? node.exportClause : bindings;
        if (clause && (ts.isNamedImports(clause) || ts.isNamedExports(clause))) {
          clause.elements.forEach((e) => names.add((e.propertyName ?? e.name).text));
        } else {
          names.add('*');
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(parse(file));
  }
  return imported;
}

describe("each lib's public surface", () => {
  const imported = importedFromOutside();
  const libs = readdirSync(join(root, 'libs'));

  it.each(libs)('%s exports only what other libs and apps import', (lib) => {
    const names = imported.get(lib) ?? new Set<string>();
    // A namespace import would make every export used: none is written, and none should be.
    expect(names.has('*')).toBe(false);
    const waiting = pending[lib] ?? [];
    const unused = exportsOf(lib).filter((name) => !names.has(name) && waiting !== 'all' && !waiting.includes(name));
    expect(unused).toEqual([]);
  });

  it('lists no pending export that is no longer exported or is now imported', () => {
    for (const [lib, names] of Object.entries(pending)) {
      if (names !== 'all') {
        expect(names.filter((name) => !exportsOf(lib).includes(name) || imported.get(lib)?.has(name))).toEqual([]);
      }
    }
  });
});
