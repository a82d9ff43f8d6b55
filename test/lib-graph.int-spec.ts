import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The dependency rules of `npm run lint` (.dependency-cruiser.cjs) checked from both sides:
 * against a throwaway tree of fixture libs whose imports break each rule on purpose, and against
 * the picture in docs/ARCHITECTURE.md and the repository's real imports, so the three never drift.
 */

const root = resolve(__dirname, '..');

interface CruiseResult {
  modules: Array<{ source: string; dependencies: Array<{ resolved: string }> }>;
  summary: { violations: Array<{ from: string; to: string; rule: { name: string } }> };
}

/** Runs the real checker with the real config in `cwd`; it exits non-zero on violations, by design. */
function cruise(cwd: string, targets: string[]): Promise<CruiseResult> {
  const bin = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const args = [bin, '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json', ...targets];
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      try {
        done(JSON.parse(stdout) as CruiseResult);
      } catch {
        fail(new Error(`depcruise gave no result (${error?.message ?? 'no error'}): ${stderr}`));
      }
    });
  });
}

/** Each violation as `rule: from → to`; node_modules is a symlink here, so packages are named from it. */
function violationsOf(result: CruiseResult): string[] {
  return result.summary.violations.map(
    (v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*\/node_modules\//, 'node_modules/')}`,
  );
}

/** The graph docs/ARCHITECTURE.md draws: its mermaid block under "Dependencies point one way". */
function documentedGraph(): { libs: Set<string>; base: Set<string>; edges: Map<string, Set<string>> } {
  const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
  const block = /Dependencies point one way[\s\S]*?```mermaid\n([\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) {
    throw new Error('docs/ARCHITECTURE.md draws no dependency graph');
  }
  const libs = new Set<string>();
  const base = new Set<string>();
  const edges = new Map<string, Set<string>>();
  let inBase = false;
  for (const line of block.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('flowchart') || line.startsWith('%%')) {
      continue;
    }
    if (line.startsWith('subgraph base')) {
      inBase = true;
      continue;
    }
    if (line === 'end') {
      inBase = false;
      continue;
    }
    const [from, to] = line.split('-->').map((part) => part.trim());
    libs.add(from!);
    if (inBase) {
      base.add(from!);
    }
    edges.set(from!, edges.get(from!) ?? new Set());
    for (const target of to?.split('&').map((t) => t.trim()) ?? []) {
      libs.add(target);
      edges.get(from!)!.add(target);
    }
  }
  return { libs, base, edges };
}

const graph = documentedGraph();
/** What the doc allows `from` to import: its arrows, and the base unless it is `rules` or the base. */
const documentedAllows = (from: string, to: string): boolean =>
  graph.edges.get(from)!.has(to) || (graph.base.has(to) && from !== 'rules' && !graph.base.has(from));

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

// dependency-cruiser parses the whole repository per test: slow on a busy 2-core machine.
jest.setTimeout(240_000);

describe('the lib dependency graph', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kizuna-lib-graph-'));
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFiles(dir, {
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', paths: { '@kizuna/*': ['./libs/*/src'] } },
      }),
    });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is drawn for exactly the libs there are, without a cycle', () => {
    expect([...graph.libs].sort()).toEqual(readdirSync(join(root, 'libs')).sort());
    expect([...graph.base].sort()).toEqual(['common', 'config']);
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (lib: string, path: string[]): void => {
      if (visiting.has(lib)) {
        throw new Error(`cycle: ${[...path, lib].join(' → ')}`);
      }
      if (!done.has(lib)) {
        visiting.add(lib);
        graph.edges.get(lib)!.forEach((to) => visit(to, [...path, lib]));
        visiting.delete(lib);
        done.add(lib);
      }
    };
    expect(() => graph.libs.forEach((lib) => visit(lib, []))).not.toThrow();
  });

  it('lets a lib import exactly the libs the picture allows, by name', async () => {
    const libs = [...graph.libs];
    const files: Record<string, string> = {};
    for (const lib of libs) {
      files[`libs/${lib}/src/index.ts`] = `export const name = '${lib}';\n`;
      for (const other of libs.filter((l) => l !== lib)) {
        files[`libs/${lib}/src/uses-${other}.ts`] = `export { name } from '@kizuna/${other}';\n`;
      }
    }
    await writeFiles(dir, files);

    const result = await cruise(dir, ['libs']);

    // Every fixture import resolved to the other lib's index, so no rule passed vacuously.
    const pairs = libs.flatMap((from) => libs.filter((to) => to !== from).map((to) => `${from} → ${to}`));
    const resolved = result.modules.flatMap((m) =>
      m.dependencies.map((d) => `${m.source.split('/')[1]} → ${d.resolved.split('/')[1]}`),
    );
    expect(resolved.sort()).toEqual(pairs.sort());
    const rejected = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    const expected = libs.flatMap((from) =>
      libs
        .filter((to) => to !== from && !documentedAllows(from, to))
        .map((to) => `lib-graph-${from}: libs/${from}/src/uses-${to}.ts → libs/${to}/src/index.ts`),
    );
    expect(rejected.sort()).toEqual(expected.sort());
    // Worked out from the picture: 13 libs make 13 × 12 = 156 ordered pairs; 31 arrows are drawn
    // (reference 7 + journeys 7 + templates 4 + segments 4 + messaging 4 + customers 2 + analytics 2
    // + events 1),
    // and the 10 libs other than rules, common and config may use both base libs.
    expect(pairs).toHaveLength(156);
    expect(expected).toHaveLength(156 - 31 - 10 * 2);
  });

  it("refuses a reach into another lib's files, a lib importing an app, and impure rules", async () => {
    await writeFiles(dir, {
      'libs/events/src/index.ts': `export { inbox } from './inbox';\n`,
      'libs/events/src/inbox.ts': `export const inbox = 'inbox';\n`,
      'libs/journeys/src/index.ts': `export const name = 'journeys';\n`,
      'libs/rules/src/index.ts': `export const name = 'rules';\n`,
      'libs/segments/src/index.ts': `export const name = 'segments';\n`,
      'libs/customers/src/index.ts': `export const name = 'customers';\n`,
      // customers may import events, but only as `@kizuna/events`.
      'libs/customers/src/into-file.ts': `export { inbox } from '../../events/src/inbox';\n`,
      'libs/customers/src/into-index.ts': `export { inbox } from '../../events/src';\n`,
      'libs/customers/src/through-alias.ts': `export * from '@kizuna/events/src/inbox';\n`,
      // A lib's own spec may import another lib's file, but the graph holds for it too.
      'libs/customers/src/customer.spec.ts': `export { inbox } from '../../events/src/inbox';\nexport { name } from '@kizuna/journeys';\n`,
      'libs/segments/src/uses-app.ts': `export { server } from '../../../apps/api/src/server';\n`,
      'libs/segments/src/uses-test.ts': `export { fixture } from '../../../test/support/fixture';\n`,
      'libs/rules/src/io.ts': [
        `export { readFileSync } from 'node:fs';`,
        `export { DataSource } from 'typeorm';`,
        `export { z } from 'zod';`,
        `export { DateTime } from 'luxon';`,
        '',
      ].join('\n'),
      'libs/newlib/src/index.ts': `export { name } from '@kizuna/rules';\n`,
      'apps/api/src/server.ts': `export { name as server } from '@kizuna/journeys';\n`,
      'apps/api/src/into-file.ts': `export { inbox } from '../../../libs/events/src/inbox';\n`,
      'test/support/fixture.ts': `export const fixture = 1;\n`,
    });

    const result = await cruise(dir, ['libs', 'apps']);

    const rejected = violationsOf(result);
    expect(rejected.sort()).toEqual(
      [
        'lib-internals: libs/customers/src/into-file.ts → libs/events/src/inbox.ts',
        'lib-by-relative-path: libs/customers/src/into-file.ts → libs/events/src/inbox.ts',
        'lib-by-relative-path: libs/customers/src/into-index.ts → libs/events/src/index.ts',
        'not-to-unresolvable: libs/customers/src/through-alias.ts → @kizuna/events/src/inbox',
        'lib-graph-customers: libs/customers/src/customer.spec.ts → libs/journeys/src/index.ts',
        'lib-imports-app: libs/segments/src/uses-app.ts → apps/api/src/server.ts',
        'product-imports-test: libs/segments/src/uses-test.ts → test/support/fixture.ts',
        'rules-is-pure: libs/rules/src/io.ts → fs',
        'rules-is-pure: libs/rules/src/io.ts → node_modules/typeorm/index.d.ts',
        'lib-not-in-graph: libs/newlib/src/index.ts → libs/rules/src/index.ts',
        'lib-internals: apps/api/src/into-file.ts → libs/events/src/inbox.ts',
        'lib-by-relative-path: apps/api/src/into-file.ts → libs/events/src/inbox.ts',
      ].sort(),
    );
  });

  it('keeps the journeys core pure: no framework, database or shell; the shell and specs may', async () => {
    await writeFiles(dir, {
      'libs/journeys/src/index.ts': `export { runtime } from './shell/runtime';\n`,
      'libs/customers/src/index.ts': `export const name = 'customers';\n`,
      'libs/journeys/src/core/engine.ts': `export const engine = 'pure';\n`,
      'libs/journeys/src/core/impure.ts': [
        `export { Injectable } from '@nestjs/common';`,
        `export { DataSource } from 'typeorm';`,
        `export { runtime } from '../shell/runtime';`,
        `export { name } from '@kizuna/customers';`,
        `export { engine } from './engine';`,
        '',
      ].join('\n'),
      'libs/journeys/src/core/engine.spec.ts': `export { runtime } from '../shell/runtime';\n`,
      'libs/journeys/src/shell/runtime.ts': [
        `export { Injectable } from '@nestjs/common';`,
        `export { engine } from '../core/engine';`,
        `export { name } from '@kizuna/customers';`,
        `export const runtime = 'durable';`,
        '',
      ].join('\n'),
    });

    const result = await cruise(dir, ['libs']);

    const rejected = violationsOf(result);
    // Four imports of impure.ts break the rule; its import of the core, the spec's and the shell's do not.
    expect(rejected.sort()).toEqual(
      [
        'journeys-core-is-pure: libs/journeys/src/core/impure.ts → node_modules/@nestjs/common/index.js',
        'journeys-core-is-pure: libs/journeys/src/core/impure.ts → node_modules/typeorm/index.d.ts',
        'journeys-core-is-pure: libs/journeys/src/core/impure.ts → libs/journeys/src/shell/runtime.ts',
        'journeys-core-is-pure: libs/journeys/src/core/impure.ts → libs/customers/src/index.ts',
      ].sort(),
    );
  });

  it('matches the imports of the repository: every arrow drawn is used, none used is missing', async () => {
    const result = await cruise(root, ['apps', 'libs']);

    expect(result.summary.violations).toEqual([]);
    const used = new Set<string>();
    for (const m of result.modules) {
      const from = /^libs\/([^/]+)\//.exec(m.source)?.[1];
      for (const d of m.dependencies) {
        const to = /^libs\/([^/]+)\//.exec(d.resolved)?.[1];
        if (from && to && from !== to && !graph.base.has(to)) {
          used.add(`${from} → ${to}`);
        }
      }
    }
    const drawn = [...graph.edges].flatMap(([from, tos]) => [...tos].map((to) => `${from} → ${to}`));
    expect([...used].sort()).toEqual(drawn.sort());
  });
});
