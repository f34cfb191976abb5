import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const DASHBOARD_DIR = fileURLToPath(new URL('../', import.meta.url));
export const DIST_DIR = join(DASHBOARD_DIR, 'dist');

/** Newest modification time under `path` (files only). */
function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Builds the dashboard when dist/ is missing or older than its sources, so the browser
 * tests never run against a stale bundle. `pnpm build` (and so `pnpm test`) builds it with
 * the type check first; this fallback only bundles.
 */
export function ensureDashboardBuilt(): void {
  const index = join(DIST_DIR, 'index.html');
  const sources = [
    join(DASHBOARD_DIR, 'src'),
    join(DASHBOARD_DIR, 'index.html'),
    join(DASHBOARD_DIR, 'vite.config.ts'),
    join(DASHBOARD_DIR, 'package.json'),
  ];
  if (existsSync(index)) {
    const built = statSync(index).mtimeMs;
    if (sources.every((source) => newestMtime(source) <= built)) return;
  }
  const vite = join(DASHBOARD_DIR, 'node_modules', 'vite', 'bin', 'vite.js');
  const run = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: DASHBOARD_DIR,
    // Test runners set NODE_ENV=test, which would bundle Vue's development build.
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) {
    throw new Error(`dashboard build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
}

/** Gzipped size of every JavaScript file the browser loads, as a CDN would serve them. */
export function gzippedJs(): { files: Record<string, number>; totalBytes: number } {
  const assets = join(DIST_DIR, 'assets');
  const files: Record<string, number> = {};
  let totalBytes = 0;
  for (const name of readdirSync(assets).filter((f) => f.endsWith('.js'))) {
    const size = gzipSync(readFileSync(join(assets, name)), { level: 9 }).length;
    files[name] = size;
    totalBytes += size;
  }
  return { files, totalBytes };
}
