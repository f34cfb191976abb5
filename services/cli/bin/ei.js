#!/usr/bin/env node
// Runs the built CLI (dist). `pnpm build` creates it; `pnpm install` runs the build.
import('../dist/main.js').catch((error) => {
  if (
    error &&
    error.code === 'ERR_MODULE_NOT_FOUND' &&
    String(error.message).includes('/cli/dist/')
  ) {
    console.error('ei: the CLI is not built yet. Run `pnpm build` in the project root.');
    process.exit(1);
  }
  throw error;
});
