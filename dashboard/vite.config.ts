import vue from '@vitejs/plugin-vue';
import { defaultClientConditions, defineConfig } from 'vite';

// The gateway serves dist/ with a CSP without 'unsafe-eval': SFCs are compiled here, the
// runtime-only Vue build is bundled, and no inline script is emitted.
const gateway = process.env.EI_GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  resolve: {
    // @ei/core/browser is bundled from its TypeScript sources, like the tests run it.
    conditions: ['@ei/source', ...defaultClientConditions],
  },
  // The live worker is a module worker, emitted as its own file under /assets.
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    reportCompressedSize: false,
  },
  server: {
    // `pnpm --filter @ei/dashboard dev` against a running gateway (EI_GATEWAY_URL).
    proxy: {
      '/api': gateway,
      '/ws': { target: gateway.replace(/^http/, 'ws'), ws: true },
    },
  },
});
