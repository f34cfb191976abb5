import type { InferenceResult } from '@ei/core/browser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, result, resultMessage } from '../testing/fakes';
import { LiveConnection, liveUrl, type ConnectionStatus } from './live-connection';

function connection(token = 't0k') {
  const results: InferenceResult[] = [];
  const statuses: ConnectionStatus[] = [];
  const live = new LiveConnection({
    url: () => liveUrl({ protocol: 'http:', host: 'gw:8080' }, token),
    onResult: (r) => results.push(r),
    onStatus: (s) => statuses.push(s),
    createSocket: (url) => new FakeSocket(url),
    backoff: { initialMs: 500, maxMs: 4000, jitter: 0 },
    keepAliveMs: 15_000,
    silenceMs: 10_000,
  });
  return { live, results, statuses };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});
afterEach(() => vi.useRealTimers());

describe('LiveConnection', () => {
  it('opens /ws with the token, subscribes to every stream and decodes binary results', () => {
    const { live, results, statuses } = connection();
    live.start();
    const socket = FakeSocket.latest();
    expect(socket.url).toBe('ws://gw:8080/ws?token=t0k');
    expect(socket.binaryType).toBe('arraybuffer');
    expect(statuses.at(-1)?.state).toBe('connecting');
    socket.accept();
    expect(socket.sent).toEqual([{ op: 'subscribe', streams: '*' }]);
    expect(statuses.at(-1)?.state).toBe('open');
    socket.receive(resultMessage(result('cam-1', 7)));
    expect(results.map((r) => [r.streamId, r.seq])).toEqual([['cam-1', 7]]);
    live.stop();
  });

  it('skips messages that are not results without dropping the connection', () => {
    const { live, results } = connection();
    live.start();
    const socket = FakeSocket.latest();
    socket.accept();
    socket.receive(new Uint8Array([1, 2, 3]).buffer);
    socket.receive(resultMessage(result('cam-1', 1)));
    expect(results).toHaveLength(1);
    expect(FakeSocket.all).toHaveLength(1);
    live.stop();
  });

  it('reconnects by itself with capped exponential backoff, reset once a connection works', () => {
    const { live, statuses } = connection();
    live.start();
    FakeSocket.latest().drop();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const status = statuses.at(-1)!;
      expect(status.state).toBe('waiting');
      delays.push(status.retryAt! - Date.now());
      vi.advanceTimersByTime(status.retryAt! - Date.now());
      expect(FakeSocket.all).toHaveLength(i + 2);
      FakeSocket.latest().drop();
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000]);
    vi.advanceTimersByTime(4000);
    FakeSocket.latest().accept();
    expect(statuses.at(-1)).toEqual({ state: 'open', attempts: 0 });
    FakeSocket.latest().drop();
    expect(statuses.at(-1)!.retryAt! - Date.now()).toBe(500);
    live.stop();
  });

  it('subscribes again with the current selection after a reconnect', () => {
    const { live } = connection();
    live.start();
    FakeSocket.latest().accept();
    live.select(['cam-2']);
    expect(FakeSocket.latest().sent.slice(1)).toEqual([
      { op: 'unsubscribe', streams: '*' },
      { op: 'subscribe', streams: ['cam-2'] },
    ]);
    FakeSocket.latest().drop();
    vi.advanceTimersByTime(500);
    FakeSocket.latest().accept();
    expect(FakeSocket.latest().sent).toEqual([{ op: 'subscribe', streams: ['cam-2'] }]);
    live.stop();
  });

  it('replaces a connection that went silent (gateway gone without closing TCP)', () => {
    const { live } = connection();
    live.start();
    const first = FakeSocket.latest();
    first.accept();
    // Keep-alive subscriptions go out; the dead server answers nothing.
    vi.advanceTimersByTime(15_000);
    expect(first.sent).toHaveLength(2);
    vi.advanceTimersByTime(15_000);
    expect(first.closed).toBe(true);
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(2);
    live.stop();
  });

  it('stays closed after stop() and reconnects at once on reconnect()', () => {
    const { live, statuses } = connection();
    live.start();
    FakeSocket.latest().accept();
    live.stop();
    expect(FakeSocket.latest().closed).toBe(true);
    expect(statuses.at(-1)?.state).toBe('paused');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    live.start();
    expect(FakeSocket.all).toHaveLength(2);
    live.reconnect();
    expect(FakeSocket.all).toHaveLength(3);
    expect(FakeSocket.all[1]!.closed).toBe(true);
    live.stop();
  });

  it('uses wss behind https and leaves the query out without a token', () => {
    expect(liveUrl({ protocol: 'https:', host: 'dash.example' })).toBe('wss://dash.example/ws');
    expect(liveUrl({ protocol: 'http:', host: 'h:1' }, 'a b&c')).toBe(
      'ws://h:1/ws?token=a%20b%26c',
    );
  });
});
