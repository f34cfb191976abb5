import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBitmap, FakeSocket, result, resultMessage } from '../testing/fakes';
import { LiveDecoder, type DecodeJpeg } from './live-decoder';
import type { DecodedFrame, FromLiveWorker } from './live-protocol';

/** Decodes only when the test says so, like a slow JPEG decoder. */
function manualDecoder() {
  const pending: { width: number; height: number; resolve: () => void; reject: () => void }[] = [];
  const decode: DecodeJpeg = (_jpeg, width, height) =>
    new Promise((resolve, reject) =>
      pending.push({
        width,
        height,
        resolve: () => resolve(fakeBitmap(width, height)),
        reject: () => reject(new Error('bad jpeg')),
      }),
    );
  return { decode, pending };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

let decoder: LiveDecoder;
let posted: FromLiveWorker[];
let transfers: Transferable[][];
let jpegs: ReturnType<typeof manualDecoder>;

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  posted = [];
  transfers = [];
  jpegs = manualDecoder();
  decoder = new LiveDecoder({
    post: (message, transfer = []) => {
      posted.push(message);
      transfers.push(transfer);
    },
    decode: jpegs.decode,
    createSocket: (url) => new FakeSocket(url),
  });
});
afterEach(() => {
  decoder.close();
  vi.useRealTimers();
});

const frames = () => posted.flatMap((m) => (m.type === 'frame' ? [m.frame] : [])) as DecodedFrame[];
const push = (id: string, seq: number) => decoder.accept(result(id, seq), new Uint8Array([1]));

describe('LiveDecoder (the live worker)', () => {
  it('connects, reports the connection state and counts every result message', () => {
    decoder.handle({ op: 'connect', url: 'ws://gw/ws?token=t' });
    const socket = FakeSocket.latest();
    expect(socket.url).toBe('ws://gw/ws?token=t');
    socket.accept();
    socket.receive(resultMessage(result('cam', 1)));
    socket.receive(new Uint8Array([9, 9]).buffer);
    expect(
      posted.filter((m) => m.type === 'status').map((m) => m.type === 'status' && m.status.state),
    ).toEqual(['connecting', 'open']);
    expect(decoder.counters).toEqual({ messages: 1, decoded: 0, decodeErrors: 1 });
  });

  it('decodes nothing for a stream no view shows', async () => {
    for (let seq = 1; seq <= 30; seq++) push('cam', seq);
    await settle();
    expect(jpegs.pending).toHaveLength(0);
  });

  it('decodes only the newest frame, and the next only once the page is done with it', async () => {
    decoder.handle({ op: 'want', streamId: 'cam', width: 320 });
    push('cam', 1);
    for (let seq = 2; seq <= 10; seq++) push('cam', seq);
    expect(jpegs.pending).toHaveLength(1); // one decode in flight, nothing queued behind it
    jpegs.pending[0]!.resolve();
    await settle();
    expect(frames().map((f) => f.result.seq)).toEqual([1]);
    expect(transfers.at(-1)).toEqual([frames()[0]!.bitmap]);
    // Frame 1 is on the page; nothing more until the page says it is done.
    push('cam', 11);
    expect(jpegs.pending).toHaveLength(1);
    decoder.handle({ op: 'done', streamId: 'cam' });
    expect(jpegs.pending).toHaveLength(2);
    jpegs.pending[1]!.resolve();
    await settle();
    expect(frames().map((f) => f.result.seq)).toEqual([1, 11]);
    expect(decoder.counters).toMatchObject({ messages: 11, decoded: 2 });
  });

  it('decodes to the width the view needs, never wider than the frame', () => {
    decoder.handle({ op: 'want', streamId: 'small', width: 320 });
    decoder.handle({ op: 'want', streamId: 'large', width: 1900 });
    push('small', 1);
    push('large', 1);
    expect(jpegs.pending.map(({ width, height }) => [width, height])).toEqual([
      [320, 240],
      [640, 480],
    ]);
  });

  it('skips a frame that fails to decode and takes the next one', async () => {
    decoder.handle({ op: 'want', streamId: 'cam', width: 320 });
    push('cam', 1);
    push('cam', 2);
    jpegs.pending[0]!.reject();
    await settle();
    expect(jpegs.pending).toHaveLength(2);
    jpegs.pending[1]!.resolve();
    await settle();
    expect(frames().map((f) => f.result.seq)).toEqual([2]);
    expect(decoder.counters.decodeErrors).toBe(1);
  });

  it('summarises every stream twice a second and forgets streams silent for a minute', async () => {
    for (let i = 0; i < 45; i++) {
      push('cam', i);
      push('other', i);
      await vi.advanceTimersByTimeAsync(1000 / 15);
    }
    const summary = posted.filter((m) => m.type === 'summary').at(-1)!;
    const streams = summary.type === 'summary' ? summary.streams : [];
    expect(streams.map((s) => [s.id, s.type])).toEqual([
      ['cam', 'people'],
      ['other', 'people'],
    ]);
    for (const s of streams) {
      expect(s.received).toBeGreaterThan(30);
      expect(s.fps).toBeGreaterThan(13);
      expect(s.fps).toBeLessThan(16);
    }
    await vi.advanceTimersByTimeAsync(61_000);
    const later = posted.filter((m) => m.type === 'summary').at(-1)!;
    expect(later.type === 'summary' && later.streams).toEqual([]);
  });
});
