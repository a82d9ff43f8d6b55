import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The console's production build: dist/console, served by the api at `/` (see
 * apps/api/src/http/console-static.ts). No dev-only plugins: Vite compiles TSX itself
 * (docs/decisions/0024-console-stack.md). `npm run console:dev` proxies the API to a running
 * Kizuna on :3000.
 */
export default defineConfig({
  root,
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The CSP allows scripts from our origin only; no inline module-preload polyfill is needed.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      // React Query marks its hooks "use client" (for server components): meaningless in an SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') {
          warn(warning);
        }
      },
    },
  },
  server: {
    proxy: { '/v1': 'http://localhost:3000' },
  },
});
