// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSocket, person, result, resultMessage, stream } from '../testing/fakes';
import { installFakeGraphics, mountWith, sleep, testDashboard } from '../testing/test-dashboard';

beforeEach(() => {
  FakeSocket.all = [];
  installFakeGraphics();
});
let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('stream detail', () => {
  it('opens from a tile and shows the frame, detections, stage timings, model and producer', async () => {
    const { dashboard, api } = testDashboard();
    stop = () => dashboard.stop();
    api.streamList = [stream('cam-a', { source: 'rtsp://u:***@10.0.0.5/s1', reconnects: 2 })];
    dashboard.start();
    const { wrapper, router } = await mountWith(dashboard);
    const socket = FakeSocket.latest();
    socket.accept();
    await wrapper.get('[data-stream="cam-a"]').trigger('click');
    await sleep(0);
    expect(router.currentRoute.value.fullPath).toBe('/streams/cam-a');
    // The detail view asks the gateway for this stream only.
    expect(socket.sent.slice(-2)).toEqual([
      { op: 'unsubscribe', streams: '*' },
      { op: 'subscribe', streams: ['cam-a'] },
    ]);
    socket.receive(
      resultMessage(
        result('cam-a', 42, {
          detections: [person(0.61, [0.5, 0.5, 0.75, 1]), person(0.93, [0, 0, 0.25, 0.5])],
          timings: { queueWaitMs: 3, preprocessMs: 9, inferenceMs: 31, postprocessMs: 1 },
        }),
      ),
    );
    await sleep(600);
    const detail = wrapper.get('[data-testid="stream-detail"]');
    const rows = detail.get('[data-testid="detections"]').findAll('tbody tr');
    expect(rows.map((r) => r.findAll('td').map((td) => td.text().trim()))).toEqual([
      ['person', '93%', '0, 0, 160, 240'],
      ['person', '61%', '320, 240, 480, 480'],
    ]);
    const timings = detail.get('[data-testid="timings"]').text();
    for (const stage of [
      'queue wait',
      'pre-process',
      'inference',
      'post-process',
      'capture to display',
    ])
      expect(timings).toContain(stage);
    expect(timings).toContain('31.0 ms');
    const model = detail.get('[data-testid="model"]').text();
    expect(model).toContain('nanodet');
    expect(model).toContain('3.0.4-ei1');
    expect(model).toContain('w-people-1');
    const producer = detail.get('[data-testid="producer"]').text();
    expect(producer).toContain('live');
    expect(producer).toContain('rtsp://u:***@10.0.0.5/s1');
    expect(producer).toContain('1,190 queued, 10 dropped');
    expect(detail.get('canvas').attributes('data-boxes')).toBe('2');

    await router.push('/');
    await sleep(0);
    expect(socket.sent.slice(-2)).toEqual([
      { op: 'unsubscribe', streams: '*' },
      { op: 'subscribe', streams: '*' },
    ]);
    wrapper.unmount();
  });
});
