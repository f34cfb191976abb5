import { inject, shallowRef, type InjectionKey, type ShallowRef } from 'vue';
import { UnauthorizedError, type ApiClient } from '../api/api-client';
import type { PlatformEvent, StreamView, TypeView } from '../api/api-types';
import type { TokenStore } from '../api/token-store';
import { ClusterHistory } from '../cluster/cluster-history';
import type { LiveChannel } from '../live/live-channel';
import { LiveClient } from '../live/live-client';
import type { ConnectionStatus } from '../live/live-connection';
import { PaintScheduler } from '../live/paint-scheduler';

export type ApiState =
  | { state: 'loading' }
  | { state: 'ok' }
  | { state: 'unauthorized'; tokenGiven: boolean }
  | { state: 'unreachable'; message: string };

/** A tile of the grid: an announced stream, or one only known from its live frames. */
export interface GridEntry {
  id: string;
  type: string;
  stream: StreamView | undefined;
}

export interface DashboardOptions {
  api: ApiClient;
  tokens: TokenStore;
  /** The live worker (or its in-process stand-in in tests). */
  channel: LiveChannel;
  /** URL of the gateway's `/ws` with a token; read on every (re)connect. */
  liveUrl: (token: string | undefined) => string;
  /** Default 2 s. */
  pollMs?: number;
}

export interface Dashboard {
  apiState: ShallowRef<ApiState>;
  connection: ShallowRef<ConnectionStatus>;
  streams: ShallowRef<StreamView[]>;
  grid: ShallowRef<GridEntry[]>;
  types: ShallowRef<TypeView[]>;
  events: ShallowRef<PlatformEvent[]>;
  /** The last minutes of every type's figures; mutated in place on each sample. */
  history: ClusterHistory;
  /** Counts the samples taken, so charts know when to redraw. */
  historyRevision: ShallowRef<number>;
  scheduler: PaintScheduler;
  live: LiveClient;
  api: ApiClient;
  tokens: TokenStore;
  setToken(token: string): void;
  /** Polls now instead of at the next tick. */
  refresh(): Promise<void>;
  start(): void;
  stop(): void;
}

/** Streams seen only through frames stay on the grid this long after their last frame. */
const LIVE_ONLY_MS = 10_000;

/**
 * The dashboard's state: the REST views polled every 2 s (small JSON, replaced whole, so
 * shallow refs suffice) and the live frames from the worker, kept out of Vue's reactivity.
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const pollMs = options.pollMs ?? 2000;
  const connection = shallowRef<ConnectionStatus>({ state: 'paused', attempts: 0 });
  const live = new LiveClient({
    channel: options.channel,
    url: () => options.liveUrl(options.tokens.token.value),
    onStatus: (status) => (connection.value = status),
  });
  const history = new ClusterHistory();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let polling: Promise<void> | undefined;

  const dashboard: Dashboard = {
    apiState: shallowRef<ApiState>({ state: 'loading' }),
    connection,
    streams: shallowRef([]),
    grid: shallowRef([]),
    types: shallowRef([]),
    events: shallowRef([]),
    history,
    historyRevision: shallowRef(0),
    scheduler: new PaintScheduler(),
    live,
    api: options.api,
    tokens: options.tokens,
    setToken(token) {
      options.tokens.set(token);
      live.reconnect();
      void dashboard.refresh();
    },
    refresh() {
      polling ??= poll().finally(() => (polling = undefined));
      return polling;
    },
    start() {
      if (running) return;
      running = true;
      void dashboard.refresh();
    },
    stop() {
      running = false;
      clearTimeout(timer);
      live.stop();
    },
  };

  async function poll(): Promise<void> {
    clearTimeout(timer);
    try {
      const [streams, types, events] = await Promise.all([
        options.api.streams(),
        options.api.types(),
        options.api.events(30),
      ]);
      dashboard.streams.value = streams;
      dashboard.types.value = types;
      dashboard.events.value = events;
      history.record(types);
      dashboard.historyRevision.value++;
      dashboard.grid.value = gridOf(streams);
      if (dashboard.apiState.value.state !== 'ok') dashboard.apiState.value = { state: 'ok' };
      if (running && !live.started) live.start();
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        dashboard.apiState.value = {
          state: 'unauthorized',
          tokenGiven: options.tokens.token.value !== undefined,
        };
        // Without a valid token the websocket is refused too; wait for one.
        live.stop();
      } else {
        dashboard.apiState.value = { state: 'unreachable', message: (error as Error).message };
        // The websocket keeps its own backoff; the REST side retries on the next tick.
      }
    } finally {
      if (running) timer = setTimeout(() => void dashboard.refresh(), pollMs);
    }
  }

  function gridOf(streams: StreamView[]): GridEntry[] {
    const entries: GridEntry[] = streams.map((stream) => ({
      id: stream.id,
      type: stream.type,
      stream,
    }));
    const announced = new Set(streams.map((s) => s.id));
    for (const { id, type } of live.activeSince(LIVE_ONLY_MS)) {
      if (!announced.has(id)) entries.push({ id, type, stream: undefined });
    }
    return entries.sort((a, b) => a.id.localeCompare(b.id));
  }

  return dashboard;
}

export const DASHBOARD: InjectionKey<Dashboard> = Symbol('dashboard');

export function useDashboard(): Dashboard {
  const dashboard = inject(DASHBOARD);
  if (!dashboard) throw new Error('useDashboard() outside of the app: provide(DASHBOARD, ...)');
  return dashboard;
}
