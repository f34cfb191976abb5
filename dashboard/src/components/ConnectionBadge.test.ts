// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../testing/fakes';
import { installFakeGraphics, mountWith, testDashboard } from '../testing/test-dashboard';

beforeEach(() => {
  FakeSocket.all = [];
  installFakeGraphics();
});
let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  vi.useRealTimers();
});

describe('connection state', () => {
  it('shows live, then offline with the retry countdown, then live again after the reconnect', async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    const { dashboard } = testDashboard();
    stop = () => dashboard.stop();
    dashboard.start();
    const { wrapper } = await mountWith(dashboard);
    const badge = () => wrapper.get('.connection');
    expect(badge().attributes('data-live')).toBe('connecting');
    FakeSocket.latest().accept();
    await flushPromises();
    expect(badge().attributes('data-live')).toBe('open');
    expect(badge().text()).toContain('live');
    expect(badge().text()).toContain('API ok');

    FakeSocket.latest().drop();
    await flushPromises();
    expect(badge().attributes('data-live')).toBe('waiting');
    expect(badge().text()).toMatch(/offline, retry in 1 s \(try 1\)/);
    vi.advanceTimersByTime(700);
    await flushPromises();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.latest().accept();
    await flushPromises();
    expect(badge().attributes('data-live')).toBe('open');
    wrapper.unmount();
  });

  it('says when the API does not answer', async () => {
    const { dashboard, api } = testDashboard();
    stop = () => dashboard.stop();
    api.down = true;
    dashboard.start();
    const { wrapper } = await mountWith(dashboard);
    expect(wrapper.get('[data-testid="api-unreachable"]').text()).toContain('connection refused');
    expect(wrapper.get('.connection').text()).toContain('API unreachable');
    api.down = false;
    await dashboard.refresh();
    await flushPromises();
    expect(wrapper.find('[data-testid="api-unreachable"]').exists()).toBe(false);
    wrapper.unmount();
  });
});
