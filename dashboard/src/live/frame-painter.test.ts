import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBitmap, fakeCanvas, result } from '../testing/fakes';
import { diagnostics } from './diagnostics';
import { FramePainter } from './frame-painter';
import type { DecodedFrame, ToLiveWorker } from './live-protocol';
import { PaintScheduler } from './paint-scheduler';
import { StreamFeed } from './stream-feed';

/** Animation frames run when the test says so. */
function manualFrames() {
  const callbacks: ((now: number) => void)[] = [];
  const scheduler = new PaintScheduler(
    (cb) => callbacks.push(cb),
    () => callbacks.splice(0),
  );
  return {
    scheduler,
    requested: () => callbacks.length,
    render: () => callbacks.splice(0).forEach((cb) => cb(0)),
  };
}

function frame(seq: number, boxes = 1): DecodedFrame & { bitmap: { closed: boolean } } {
  const detections = Array.from({ length: boxes }, (_, i) => ({
    label: i % 2 ? 'car' : 'person',
    classId: i % 2 ? 2 : 0,
    score: 0.8,
    box: [0.1, 0.1, 0.5, 0.5] as [number, number, number, number],
  }));
  return {
    result: result('cam', seq, { detections }),
    bitmap: fakeBitmap(320, 240),
    receivedAt: Date.now(),
  };
}

let sent: ToLiveWorker[];
let feed: StreamFeed;
beforeEach(() => {
  sent = [];
  feed = new StreamFeed('cam', (message) => sent.push(message));
  diagnostics.openBitmaps = 0;
});

function painter(cssWidth = 320) {
  const canvas = fakeCanvas(cssWidth);
  const frames = manualFrames();
  const p = new FramePainter({
    canvas,
    feed,
    scheduler: frames.scheduler,
    devicePixelRatio: () => 1,
  });
  p.setCssWidth(cssWidth);
  return { canvas, frames, painter: p };
}

describe('FramePainter and StreamFeed', () => {
  it('asks the worker for frames at the canvas size while in view, and for none out of view', () => {
    const { painter: p } = painter(320);
    expect(sent).toEqual([{ op: 'want', streamId: 'cam', width: 320 }]);
    p.setVisible(false);
    expect(sent.at(-1)).toEqual({ op: 'unwant', streamId: 'cam' });
    p.setVisible(true);
    p.setCssWidth(500);
    expect(sent.slice(-2)).toEqual([
      { op: 'want', streamId: 'cam', width: 320 },
      { op: 'want', streamId: 'cam', width: 500 },
    ]);
    p.dispose();
    expect(sent.at(-1)).toEqual({ op: 'unwant', streamId: 'cam' });
  });

  it('draws the newest frame once per animation frame with its boxes, then tells the worker', () => {
    const { canvas, frames, painter: p } = painter(320);
    feed.deliver(frame(1));
    feed.deliver(frame(2, 3));
    expect(frames.requested()).toBe(1);
    frames.render();
    expect(p.result?.seq).toBe(2);
    expect(p.painted).toBe(1);
    expect([canvas.width, canvas.height]).toEqual([320, 240]);
    expect(canvas.style.aspectRatio).toBe('640 / 480');
    expect(canvas.dataset.boxes).toBe('3');
    expect(canvas.context.calls.filter((c) => c.startsWith('drawImage'))).toHaveLength(1);
    expect(canvas.context.calls.filter((c) => c.startsWith('strokeRect'))).toHaveLength(3);
    expect(canvas.context.calls.filter((c) => c.startsWith('fillText(person 80%'))).toHaveLength(2);
    expect(sent.filter((m) => m.op === 'done')).toHaveLength(1);
    // Nothing new: the next animation frame draws nothing.
    frames.render();
    expect(canvas.context.calls.filter((c) => c.startsWith('drawImage'))).toHaveLength(1);
  });

  it('closes each bitmap when a newer one replaces it, and the last one on dispose', () => {
    const { frames } = painter();
    const delivered = [1, 2, 3, 4, 5].map((seq) => {
      const f = frame(seq);
      feed.deliver(f);
      frames.render();
      return f;
    });
    expect(delivered.filter((f) => !f.bitmap.closed)).toHaveLength(1);
    expect(diagnostics.openBitmaps).toBe(1);
    feed.dispose();
    expect(delivered.every((f) => f.bitmap.closed)).toBe(true);
    expect(diagnostics.openBitmaps).toBe(0);
  });

  it('hands a frame back at once when no view shows the stream, so the worker never stalls', () => {
    const { painter: p } = painter();
    p.setVisible(false);
    sent.length = 0;
    feed.deliver(frame(1));
    expect(sent).toEqual([{ op: 'done', streamId: 'cam' }]);
  });

  it('measures capture-to-display latency', () => {
    const { frames, painter: p } = painter();
    feed.deliver(frame(1));
    frames.render();
    expect(p.latencyMs).toBeGreaterThanOrEqual(40);
    expect(p.latencyMs).toBeLessThan(1000);
  });

  it('coalesces many painters into one animation frame', () => {
    const frames = manualFrames();
    const feeds = ['a', 'b', 'c'].map((id) => new StreamFeed(id, () => {}));
    const painters = feeds.map(
      (f) => new FramePainter({ canvas: fakeCanvas(), feed: f, scheduler: frames.scheduler }),
    );
    for (const f of feeds) f.deliver(frame(1));
    expect(frames.requested()).toBe(1);
    frames.render();
    expect(painters.map((p) => p.painted)).toEqual([1, 1, 1]);
    expect(frames.scheduler.paints).toBe(3);
  });
});
