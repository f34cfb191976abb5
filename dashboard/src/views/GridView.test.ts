// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSocket, result, resultMessage, stream } from '../testing/fakes';
import { installFakeGraphics, mountWith, sleep, testDashboard } from '../testing/test-dashboard';

let cleanup: (() => void)[] = [];
beforeEach(() => {
  FakeSocket.all = [];
  installFakeGraphics();
});
afterEach(() => {
  for (const fn of cleanup) fn();
  cleanup = [];
});

function setup() {
  const t = testDashboard();
  cleanup.push(() => t.dashboard.stop());
  return t;
}

describe('stream grid', () => {
  it('tells how to add a camera while there is no stream', async () => {
    const { dashboard } = setup();
    dashboard.start();
    const { wrapper } = await mountWith(dashboard);
    cleanup.push(() => wrapper.unmount());
    const empty = wrapper.get('[data-testid="empty-state"]');
    expect(empty.text()).toContain('ei produce --source rtsp://');
    expect(empty.text()).toContain('--type people --name cam1');
    expect(empty.text()).toContain('tools/run-css.sh');
  });

  it('shows a tile per stream and follows streams as they come and go', async () => {
    const { dashboard, api } = setup();
    api.streamList = [
      stream('cam-a'),
      stream('cam-b', { type: 'car', state: 'retrying', lastError: 'connection refused' }),
    ];
    dashboard.start();
    const { wrapper } = await mountWith(dashboard);
    cleanup.push(() => wrapper.unmount());
    const ids = () => wrapper.findAll('[data-stream]').map((t) => t.attributes('data-stream'));
    expect(ids()).toEqual(['cam-a', 'cam-b']);
    expect(wrapper.get('[data-stream="cam-b"]').text()).toContain('car');
    expect(wrapper.get('[data-stream="cam-b"]').text()).toContain(
      'producer retrying: connection refused',
    );

    api.streamList = [stream('cam-b'), stream('cam-c')];
    await dashboard.refresh();
    await flushPromises();
    expect(ids()).toEqual(['cam-b', 'cam-c']);
    expect(wrapper.get('[data-testid="stream-count"]').text()).toBe('2');
  });

  it('also shows a stream known only from its frames (a producer that does not announce)', async () => {
    const { dashboard } = setup();
    dashboard.start();
    const { wrapper } = await mountWith(dashboard);
    cleanup.push(() => wrapper.unmount());
    FakeSocket.latest().accept();
    FakeSocket.latest().receive(resultMessage(result('legacy-cam', 1, { type: 'face' })));
    await sleep(600); // the live worker's next summary
    await dashboard.refresh();
    await flushPromises();
    const tile = wrapper.get('[data-stream="legacy-cam"]');
    expect(tile.text()).toContain('face');
  });

  it('draws the newest frame with its boxes and shows fps and latency', async () => {
    const { dashboard, api } = setup();
    api.streamList = [stream('cam-a')];
    dashboard.start();
    const { wrapper } = await mountWith(dashboard);
    cleanup.push(() => wrapper.unmount());
    const socket = FakeSocket.latest();
    socket.accept();
    for (let seq = 1; seq <= 10; seq++) {
      socket.receive(resultMessage(result('cam-a', seq)));
      await sleep(30);
    }
    await sleep(600); // the 2 Hz figure tick
    const tile = wrapper.get('[data-stream="cam-a"]');
    expect(tile.attributes('data-has-frame')).toBe('true');
    expect(tile.get('canvas').attributes('data-boxes')).toBe('1');
    expect(tile.get('.fps').text()).toMatch(/^[1-9]\d*(\.\d)? fps$/);
    expect(tile.get('.latency').text()).toMatch(/^\d+(\.\d)? ms$/);
    expect(tile.attributes('href')).toBe('/streams/cam-a');
  });
});
