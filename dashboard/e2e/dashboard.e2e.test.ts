/**
 * The dashboard in Debian's Chromium against the real platform: private Redis, `ei worker`
 * running nanodet, `ei produce` looping a clip of pedestrians, the gateway serving the
 * built dashboard with a bearer token. Screenshots go to dashboard/e2e/artifacts/; with
 * EI_UPDATE_DOCS_SCREENSHOT=1 the grid also goes to docs/dashboard.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventLog } from '@ei/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classColour } from '../src/live/class-colour.js';
import { launchChromium } from './browser.js';
import { ensureDashboardBuilt } from './dashboard-build.js';
import type { DashboardDiagnostics, PageGlobals } from './page-globals.js';
import {
  PEOPLE_CLIP,
  ROOT,
  startPlatform,
  STREET_CLIP,
  waitFor,
  type Platform,
} from './platform.js';

const TOKEN = 'e2e-s3cret';
const STREAM = 'e2e-lobby';
const ARTIFACTS = join(ROOT, 'dashboard', 'e2e', 'artifacts');
const tile = `[data-stream="${STREAM}"]`;

let platform: Platform | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  ensureDashboardBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  platform = await startPlatform({ token: TOKEN });
  platform.ei(['worker', '--type', 'people', '--metrics-port', '0']);
  platform.ei([
    ...['produce', '--source', PEOPLE_CLIP, '--type', 'people', '--name', STREAM],
    ...['--loop', '--metrics-port', '0'],
  ]);
  // A second stream, so the grid is a grid; the one worker serves both (and drops some).
  platform.ei([
    ...['produce', '--source', STREET_CLIP, '--type', 'people', '--name', 'e2e-street'],
    ...['--loop', '--fps', '5', '--metrics-port', '0'],
  ]);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await platform?.stop();
  }
}, 30_000);

function gateway(): Platform {
  if (!platform) throw new Error('platform not started');
  return platform;
}

async function newPage(viewport = { width: 1400, height: 900 }): Promise<Page> {
  const context = await browser!.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  return page;
}

async function boxesDrawn(page: Page, selector: string): Promise<number> {
  return Number((await page.locator(selector).getAttribute('data-boxes', { timeout: 1000 })) ?? 0);
}

/** Pixels of `colour` (a CSS hsl()) in the canvas: boxes are drawn in their class colour. */
async function pixelsOfColour(page: Page, selector: string, colour: string): Promise<number> {
  const [r, g, b] = hslToRgb(colour);
  return page.evaluate(
    ({ selector, r, g, b }) => {
      const canvas = (globalThis as unknown as PageGlobals).document.querySelector(selector)!;
      const data = canvas
        .getContext('2d', { alpha: false })!
        .getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (
          Math.abs(data[i]! - r) < 12 &&
          Math.abs(data[i + 1]! - g) < 12 &&
          Math.abs(data[i + 2]! - b) < 12
        )
          count++;
      }
      return count;
    },
    { selector, r, g, b },
  );
}

function hslToRgb(css: string): [number, number, number] {
  const [h, s, l] = css.match(/[\d.]+/g)!.map(Number) as [number, number, number];
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

const diagnostics = (page: Page): Promise<DashboardDiagnostics> =>
  page.evaluate(() => (globalThis as unknown as PageGlobals).eiDiagnostics());

describe('dashboard end to end', () => {
  it('asks for the token, then shows the live tile with boxes drawn over the frame', async () => {
    const page = await newPage();
    await page.goto(`${gateway().baseUrl}/`);
    await page.locator('[data-testid="token-form"]').waitFor();
    await page.fill('input[name="token"]', 'not-the-token');
    await page.click('button[type="submit"]');
    await page.getByText('The gateway refused that token.').waitFor();
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');

    await page.locator(tile).waitFor({ timeout: 15_000 });
    await waitFor(
      'boxes on the tile',
      async () => (await boxesDrawn(page, `${tile} canvas`)) > 0,
      30_000,
    );
    await waitFor(
      'the tile to drop its placeholder',
      async () => (await page.locator(tile).getAttribute('data-has-frame')) === 'true',
    );
    const personPixels = await pixelsOfColour(page, `${tile} canvas`, classColour('person'));
    expect(personPixels).toBeGreaterThan(50);
    expect(await page.locator(`${tile} .name`).textContent()).toBe(STREAM);
    expect(await page.locator(`${tile} .badge`).textContent()).toBe('people');
    await waitFor('fps and latency figures', async () => {
      const fps = (await page.locator(`${tile} .fps`).textContent()) ?? '';
      const latency = (await page.locator(`${tile} .latency`).textContent()) ?? '';
      return /^[1-9][\d.]* fps$/.test(fps) && /^\d[\d.]* ms$/.test(latency);
    });
    expect(await page.locator('.connection').getAttribute('data-live')).toBe('open');
    await page.context().close();
  }, 45_000);

  it('takes ?token= from a link, drops it from the address, and shows the cluster and scaling events', async () => {
    const page = await newPage({ width: 1280, height: 800 });
    await page.goto(`${gateway().baseUrl}/?token=${TOKEN}`);
    await page.locator(tile).waitFor();
    expect(page.url()).toBe(`${gateway().baseUrl}/`);
    await waitFor('boxes on the tile', async () => (await boxesDrawn(page, `${tile} canvas`)) > 0);

    const people = page.locator('[data-type="people"]');
    await waitFor(
      'the worker in the cluster panel',
      async () => (await people.locator('[data-worker]').count()) === 1,
    );
    await waitFor('infer fps above 0', async () => {
      const text = (await people.locator('[data-figure="infer-fps"]').textContent()) ?? '0';
      return Number(text) > 0;
    });
    expect(await people.locator('.uplot canvas').count()).toBe(2);

    // What the local autoscaler writes when it scales a type.
    await new EventLog(gateway().redis, gateway().config.redis.keyPrefix).append({
      at: Date.now(),
      kind: 'scale',
      subject: 'people',
      message: 'scale ratio 2.31 above 1.1: 1 -> 2 workers',
      from: 1,
      to: 2,
    });
    const event = page.locator('[data-testid="scaling-events"] li[data-kind="scale"]');
    await event.waitFor({ timeout: 10_000 });
    expect(await event.textContent()).toContain('1 → 2');

    await page.locator('[data-stream="e2e-street"][data-has-frame="true"]').waitFor();
    await page.waitForTimeout(4000); // a few more samples on the charts
    await page.screenshot({ path: join(ARTIFACTS, 'grid.png') });
    if (process.env.EI_UPDATE_DOCS_SCREENSHOT === '1') {
      await page.screenshot({ path: join(ROOT, 'docs', 'dashboard.png') });
    }
    await page.context().close();
  }, 45_000);

  it('opens the detail view with detections, timings, model and producer, also on a reload', async () => {
    const page = await newPage();
    await page.goto(`${gateway().baseUrl}/?token=${TOKEN}`);
    await page.locator(tile).click();
    await page.waitForURL(`**/streams/${STREAM}`);
    const detail = page.locator('[data-testid="stream-detail"]');
    await detail.waitFor();
    await waitFor(
      'boxes on the large frame',
      async () => (await boxesDrawn(page, '[data-testid="detail-canvas"]')) > 0,
    );
    await waitFor('a person in the list', async () =>
      (await detail.locator('[data-testid="detections"] tbody').textContent())?.includes('person'),
    );
    const model = (await detail.locator('[data-testid="model"]').textContent()) ?? '';
    expect(model).toContain('nanodet');
    expect(model).toMatch(/version\s*\S+/);
    const timings = (await detail.locator('[data-testid="timings"]').textContent()) ?? '';
    expect(timings).toMatch(/inference\s*\d[\d.]* ms/);
    expect(await detail.locator('[data-testid="producer"]').textContent()).toContain('live');
    await waitFor('the stream rate in the header', async () =>
      /^[1-9][\d.]* fps/.test(
        (await detail.locator('header .figures').textContent())?.trim() ?? '',
      ),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'detail.png') });

    // The gateway answers the client-side route with index.html; the token is in sessionStorage.
    await page.reload();
    await detail.waitFor();
    await waitFor(
      'boxes after the reload',
      async () => (await boxesDrawn(page, '[data-testid="detail-canvas"]')) > 0,
    );
    await page.context().close();
  }, 45_000);

  it('shows the connection lost and comes back by itself when the gateway restarts', async () => {
    const page = await newPage();
    await page.goto(`${gateway().baseUrl}/?token=${TOKEN}`);
    const badge = page.locator('.connection');
    await waitFor('live', async () => (await badge.getAttribute('data-live')) === 'open');
    const restarted = gateway().restartGateway(1500);
    await waitFor(
      'offline shown',
      async () => (await badge.getAttribute('data-live')) !== 'open',
      5000,
    );
    expect(await badge.textContent()).toMatch(/offline|connecting/);
    await restarted;
    await waitFor(
      'live again',
      async () => (await badge.getAttribute('data-live')) === 'open',
      15_000,
    );
    const before = (await diagnostics(page)).painted;
    await waitFor(
      'frames again',
      async () => (await diagnostics(page)).painted > before + 5,
      10_000,
    );
    expect((await diagnostics(page)).openBitmaps).toBeLessThanOrEqual(2);
    await page.context().close();
  }, 40_000);
});
