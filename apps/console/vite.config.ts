import { defaultClientConditions, defineConfig } from 'vite';

/**
 * Built into dist/ and served by the API at /console/ (services/api/src/routes/console.routes.ts).
 * `npm run dev -w @taskclaim/console` serves it with hot reload and proxies the API from PORT (3000).
 */
export default defineConfig({
  base: '/console/',
  // The SDK from its source (its package's "source" export), so the console builds without a prior SDK build.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Old Android phones at the shop floor: no syntax newer than they run.
    target: ['es2020', 'chrome87', 'safari14', 'firefox78'],
    reportCompressedSize: false,
    // One chunk: nothing to preload.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': `http://127.0.0.1:${process.env.PORT ?? 3000}` },
  },
});
