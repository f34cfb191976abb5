import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`, listed in .ci/packages.txt). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium as the tests and the benchmark drive it. Software rendering
 * (--disable-gpu) is the harder case for the dashboard: every canvas draw costs CPU.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
