/** A real dashboard (state, live connection, router, components) over fake I/O, for component tests. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import type { Component } from 'vue';
import { createMemoryHistory, type Router } from 'vue-router';
import App from '../App.vue';
import { createTokenStore, type TokenStore } from '../api/token-store';
import { diagnostics } from '../live/diagnostics';
import { inProcessChannel } from '../live/live-channel';
import { liveUrl } from '../live/live-connection';
import { createAppRouter } from '../router';
import { createDashboard, DASHBOARD, type Dashboard } from '../state/dashboard';
import { FakeApi, FakeSocket, fakeBitmap, recordingContext } from './fakes';

export interface TestDashboard {
  dashboard: Dashboard;
  api: FakeApi;
  tokens: TokenStore;
}

export function testDashboard(): TestDashboard {
  const items = new Map<string, string>();
  const tokens = createTokenStore(
    {
      getItem: (k) => items.get(k) ?? null,
      setItem: (k, v) => void items.set(k, v),
      removeItem: (k) => void items.delete(k),
    },
    { href: 'http://gateway.test/' },
    { state: null, replaceState: () => {} },
  );
  const api = new FakeApi(() => tokens.token.value);
  const dashboard = createDashboard({
    api,
    tokens,
    // The live worker's logic on this thread, over a fake websocket and a fake JPEG decoder.
    channel: inProcessChannel({
      createSocket: (url) => new FakeSocket(url),
      decode: async (_jpeg, width, height) => fakeBitmap(width, height),
    }),
    liveUrl: (token) => liveUrl({ protocol: 'http:', host: 'gateway.test' }, token),
  });
  return { dashboard, api, tokens };
}

/**
 * A canvas stand-in for happy-dom, which has no 2D context. Returns the contexts handed
 * out, to read what was drawn.
 */
export function installFakeGraphics(): ReturnType<typeof recordingContext>[] {
  const contexts: ReturnType<typeof recordingContext>[] = [];
  diagnostics.openBitmaps = 0;
  HTMLCanvasElement.prototype.getContext = function () {
    const context = recordingContext();
    contexts.push(context);
    return context;
  } as unknown as typeof HTMLCanvasElement.prototype.getContext;
  return contexts;
}

/** Mounts `component` (default the whole app) at `path` with the dashboard provided. */
export async function mountWith(
  dashboard: Dashboard,
  path = '/',
  component: Component = App,
): Promise<{ wrapper: VueWrapper; router: Router }> {
  const router = createAppRouter(createMemoryHistory());
  await router.push(path);
  await router.isReady();
  const wrapper = mount(component, {
    attachTo: document.body,
    global: {
      plugins: [router],
      provide: { [DASHBOARD as symbol]: dashboard },
      // uPlot measures real layout; its own wrapper is tested in the browser.
      stubs: { TimeSeriesChart: true },
    },
  });
  await flushPromises();
  return { wrapper, router };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
