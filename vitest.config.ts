import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `@ei/source` export
// condition), so tests never run against a stale build.
export default defineConfig({
  // The dashboard's component tests import .vue files.
  plugins: [vue()],
  resolve: { conditions: ['@ei/source'] },
  ssr: { resolve: { conditions: ['@ei/source'] } },
  test: {
    include: [
      'services/*/src/**/*.test.ts',
      'tools/**/*.test.ts',
      'kubernetes/**/*.test.ts',
      'dashboard/src/**/*.test.ts',
      'dashboard/e2e/**/*.test.ts',
      'docs/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites start their own Redis, ffmpeg and model sessions; on a 2-core machine two
    // files at a time keep them from starving each other.
    maxWorkers: 2,
  },
});
