const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');
const typeCache = new Map();
function isEsmPackageFile(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  let dir = path.dirname(file);
  const seen = [];
  while (true) {
    if (typeCache.has(dir)) { const v = typeCache.get(dir); seen.forEach(d => typeCache.set(d, v)); return v; }
    seen.push(dir);
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      let v = false;
      try { v = JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module'; } catch {}
      seen.forEach(d => typeCache.set(d, v)); return v;
    }
    const parent = path.dirname(dir);
    if (parent === dir) { seen.forEach(d => typeCache.set(d, false)); return false; }
    dir = parent;
  }
}
module.exports = {
  process(src, file) {
    const isTs = /\.tsx?$/.test(file);
    if (!isTs && !isEsmPackageFile(file)) return { code: src };
    const out = swc.transformSync(src, {
      filename: file, sourceMaps: 'inline',
      jsc: { parser: isTs ? { syntax: 'typescript', decorators: true } : { syntax: 'ecmascript' }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    return { code: out.code };
  },
};
