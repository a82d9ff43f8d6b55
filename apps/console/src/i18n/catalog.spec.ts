import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { catalogs } from './catalog';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  it('have the same keys in English and Japanese, none empty, with the same placeholders', () => {
    expect(Object.keys(catalogs.ja).sort()).toEqual(Object.keys(catalogs.en).sort());
    for (const [key, en] of Object.entries(catalogs.en)) {
      const ja = catalogs.ja[key as keyof typeof catalogs.ja];
      expect({ key, en: en.trim().length > 0, ja: ja.trim().length > 0 }).toEqual({ key, en: true, ja: true });
      expect({ key, placeholders: placeholders(ja) }).toEqual({ key, placeholders: placeholders(en) });
    }
  });

  it('are translated: Japanese differs from English except for names', () => {
    const same = Object.entries(catalogs.en)
      .filter(([key, en]) => catalogs.ja[key as keyof typeof catalogs.ja] === en)
      .map(([key]) => key);
    expect(same).toEqual(['shell.product']);
  });
});

/** Every .tsx file of the console. */
function components(dir = path.join(__dirname, '..')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? components(path.join(dir, entry.name))
      : entry.name.endsWith('.tsx')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

const TEXT_ATTRIBUTES = new Set(['aria-label', 'title', 'placeholder', 'alt', 'label']);

/** Text a person would read, written into a component instead of taken from a catalog. */
function literalText(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && /\p{L}/u.test(node.text)) {
      found.push(node.text.trim());
    }
    if (
      ts.isJsxAttribute(node) &&
      TEXT_ATTRIBUTES.has(node.name.getText()) &&
      node.initializer &&
      ts.isStringLiteral(node.initializer) &&
      /\p{L}/u.test(node.initializer.text)
    ) {
      found.push(`${node.name.getText()}="${node.initializer.text}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('console components', () => {
  it('contain no user-facing text of their own: every string comes from the catalogs', () => {
    const files = components();
    expect(files.length).toBeGreaterThan(10);
    const literals = files.flatMap((file) => literalText(file).map((text) => `${path.basename(file)}: ${text}`));
    expect(literals).toEqual([]);
  });

  it('would notice one', () => {
    const probe = 'export const A = () => <p title="Hello" aria-label={t("x")}>Sign in {t("y")} ・ 2</p>;';
    expect(literalText('probe.tsx', probe)).toEqual(['title="Hello"', 'Sign in']);
  });
});
