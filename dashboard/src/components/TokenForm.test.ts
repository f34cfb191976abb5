// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSocket, stream } from '../testing/fakes';
import { installFakeGraphics, mountWith, testDashboard } from '../testing/test-dashboard';

beforeEach(() => {
  FakeSocket.all = [];
  installFakeGraphics();
});
let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('token form', () => {
  it('asks for the token on a 401, says when one is refused, then shows the grid and goes live', async () => {
    const { dashboard, api } = testDashboard();
    stop = () => dashboard.stop();
    api.validToken = 'right';
    api.streamList = [stream('cam-a')];
    dashboard.start();
    const { wrapper } = await mountWith(dashboard);
    expect(wrapper.find('[data-testid="token-form"]').exists()).toBe(true);
    expect(wrapper.find('[data-stream]').exists()).toBe(false);
    // No websocket without a valid token: the gateway would refuse it anyway.
    expect(FakeSocket.all).toHaveLength(0);
    expect(wrapper.get('.connection').attributes('data-api')).toBe('unauthorized');

    await wrapper.get('input[name="token"]').setValue('wrong');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.text()).toContain('The gateway refused that token.');

    await wrapper.get('input[name="token"]').setValue('right');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.find('[data-testid="token-form"]').exists()).toBe(false);
    expect(wrapper.find('[data-stream="cam-a"]').exists()).toBe(true);
    expect(FakeSocket.latest().url).toBe('ws://gateway.test/ws?token=right');
    wrapper.unmount();
  });
});
