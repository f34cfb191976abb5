// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSocket, typeView } from '../testing/fakes';
import { installFakeGraphics, mountWith, testDashboard } from '../testing/test-dashboard';

beforeEach(() => {
  FakeSocket.all = [];
  installFakeGraphics();
});
let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('cluster panel', () => {
  it('shows per type the workers, fps, scale ratio, queue depth, charts and the scaling events', async () => {
    const { dashboard, api } = testDashboard();
    stop = () => dashboard.stop();
    api.typeList = [
      typeView('people', {
        workers: [
          {
            id: 'w-1',
            host: 'a',
            state: 'ready',
            inferFps: 10,
            dropFps: 3,
            scaleRatio: 1.3,
            inferenceMs: 50,
          },
          {
            id: 'w-2',
            host: 'b',
            state: 'starting',
            inferFps: 9.5,
            dropFps: 1.5,
            scaleRatio: 1.16,
            inferenceMs: null,
          },
        ],
        inferFps: 19.5,
        dropFps: 4.5,
        scaleRatio: 2.46,
        queueDepth: 7,
      }),
      typeView('face', {
        workers: [],
        pushed: 0,
        dropped: 0,
        queueDepth: 0,
        inferFps: 0,
        dropFps: 0,
        scaleRatio: 0,
      }),
    ];
    api.eventList = [
      {
        at: Date.now(),
        kind: 'scale',
        subject: 'people',
        message: 'scale ratio 2.46 > 1.1: up',
        from: 1,
        to: 2,
      },
      {
        at: Date.now() - 5000,
        kind: 'restart',
        subject: 'worker people#1',
        message: 'exited with code 1, restarted',
      },
    ];
    dashboard.start();
    const { wrapper } = await mountWith(dashboard);
    const people = wrapper.get('[data-type="people"]');
    const figure = (name: string) => people.get(`[data-figure="${name}"]`).text();
    expect([
      figure('workers'),
      figure('infer-fps'),
      figure('drop-fps'),
      figure('scale-ratio'),
      figure('queue-depth'),
    ]).toEqual(['2', '20', '4.5', '2.46', '7']);
    expect(
      people.findAll('[data-worker]').map((r) => r.findAll('td').map((td) => td.text().trim())),
    ).toEqual([
      ['w-1', '10', '3.0', '1.30', '50.0 ms'],
      ['w-2', '9.5', '1.5', '1.16', '–'],
    ]);
    expect(people.findAll('time-series-chart-stub')).toHaveLength(2);
    // Idle types are one line, not a card.
    expect(wrapper.find('[data-type="face"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('Idle types (no worker, no frames): face');
    const events = wrapper.get('[data-testid="scaling-events"]').findAll('li');
    expect(events.map((e) => e.attributes('data-kind'))).toEqual(['scale', 'restart']);
    expect(events[0]!.text()).toContain('people');
    expect(events[0]!.text()).toContain('1 → 2');
    expect(events[0]!.text()).toContain('scale ratio 2.46 > 1.1: up');
    wrapper.unmount();
  });
});
