import { createApp } from 'vue';
import App from './App.vue';
import { createApiClient } from './api/api-client';
import { createTokenStore } from './api/token-store';
import { diagnostics } from './live/diagnostics';
import { workerChannel } from './live/live-channel';
import { liveUrl } from './live/live-connection';
import type { LiveCounters } from './live/live-protocol';
import { createAppRouter } from './router';
import { createDashboard, DASHBOARD } from './state/dashboard';
import './styles.css';

declare global {
  interface Window {
    /** Counters for the benchmark and end-to-end test (see live/diagnostics.ts). */
    eiDiagnostics?: () => typeof diagnostics &
      LiveCounters & { feeds: number; paints: number; live: string };
  }
}

const tokens = createTokenStore();
const dashboard = createDashboard({
  api: createApiClient({ token: () => tokens.token.value }),
  tokens,
  channel: workerChannel(),
  liveUrl: (token) => liveUrl(window.location, token),
});

window.eiDiagnostics = () => ({
  ...diagnostics,
  ...dashboard.live.counters,
  feeds: dashboard.live.feedCount,
  paints: dashboard.scheduler.paints,
  live: dashboard.connection.value.state,
});

createApp(App).provide(DASHBOARD, dashboard).use(createAppRouter()).mount('#app');
dashboard.start();
