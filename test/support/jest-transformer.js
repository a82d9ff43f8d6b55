// Jest transform: TypeScript sources (decorators + metadata, for Nest DI) and ES-module-only
// packages from node_modules, both to CommonJS with swc. Plain CommonJS files pass through.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const swc = require('@swc/core');

const TRANSFORMER_VERSION = `1:${require('@swc/core/package.json').version}`;

const packageTypeCache = new Map();

function isEsm(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  const visited = [];
  let dir = path.dirname(file);
  for (;;) {
    if (packageTypeCache.has(dir)) {
      const esm = packageTypeCache.get(dir);
      visited.forEach((d) => packageTypeCache.set(d, esm));
      return esm;
    }
    visited.push(dir);
    const manifest = path.join(dir, 'package.json');
    const parent = path.dirname(dir);
    if (fs.existsSync(manifest) || parent === dir) {
      let esm = false;
      try {
        esm = JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        esm = false;
      }
      visited.forEach((d) => packageTypeCache.set(d, esm));
      return esm;
    }
    dir = parent;
  }
}

// Test files run in jest's module system, which needs ES modules compiled. Global setup runs in
// plain Node (no JEST_WORKER_ID), which loads them natively and must get them untouched.
const inJestRuntime = () => process.env.JEST_WORKER_ID !== undefined;

module.exports = {
  getCacheKey(source, file) {
    return crypto
      .createHash('sha256')
      .update(TRANSFORMER_VERSION)
      .update(inJestRuntime() ? 'runtime' : 'node')
      .update(file)
      .update(source)
      .digest('hex');
  },
  process(source, file) {
    const typescript = /\.tsx?$/.test(file);
    if (!typescript && !(inJestRuntime() && isEsm(file))) {
      return { code: source };
    }
    const { code, map } = swc.transformSync(source, {
      filename: file,
      sourceMaps: true,
      jsc: {
        parser: typescript ? { syntax: 'typescript', decorators: true } : { syntax: 'ecmascript' },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    });
    return { code, map };
  },
};
