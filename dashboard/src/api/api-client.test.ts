import { describe, expect, it } from 'vitest';
import { stream } from '../testing/fakes';
import { ApiError, createApiClient, UnauthorizedError } from './api-client';
import { createTokenStore } from './token-store';

function fakeFetch(status: number, body: unknown) {
  const seen: { url: string; headers: Record<string, string> }[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    seen.push({ url, headers: (init?.headers ?? {}) as Record<string, string> });
    return new Response(JSON.stringify(body), { status });
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

describe('api client', () => {
  it('sends the bearer token when one is known', async () => {
    const auth: { token?: string } = {};
    const { fetch, seen } = fakeFetch(200, { streams: [stream('cam-1')] });
    const api = createApiClient({ token: () => auth.token, fetch });
    expect((await api.streams()).map((s) => s.id)).toEqual(['cam-1']);
    auth.token = 's3cret';
    await api.streams();
    expect(seen.map((s) => s.headers.authorization)).toEqual([undefined, 'Bearer s3cret']);
    expect(seen[0]!.url).toBe('/api/streams');
  });

  it('turns a 401 into UnauthorizedError and other failures into ApiError with the message', async () => {
    const unauthorized = createApiClient({ token: () => 'x', fetch: fakeFetch(401, {}).fetch });
    await expect(unauthorized.types()).rejects.toBeInstanceOf(UnauthorizedError);
    const failing = createApiClient({
      token: () => undefined,
      fetch: fakeFetch(503, {
        error: { code: 'redis/unavailable', message: 'Redis is not reachable' },
      }).fetch,
    });
    await expect(failing.events()).rejects.toMatchObject({
      status: 503,
      message: 'Redis is not reachable',
    });
    const down = createApiClient({
      token: () => undefined,
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as typeof fetch,
    });
    await expect(down.streams()).rejects.toEqual(
      new ApiError(0, 'gateway unreachable: Failed to fetch'),
    );
  });

  it('answers undefined for a stream that is not announced', async () => {
    const api = createApiClient({ token: () => undefined, fetch: fakeFetch(404, {}).fetch });
    expect(await api.stream('gone')).toBeUndefined();
  });
});

describe('token store', () => {
  function memoryStorage() {
    const items = new Map<string, string>();
    return {
      items,
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
    };
  }

  it('takes ?token= from the address, removes it from there and keeps it for the tab', () => {
    const storage = memoryStorage();
    const replaced: string[] = [];
    const history = {
      state: null,
      replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url),
    };
    const tokens = createTokenStore(
      storage,
      { href: 'http://gw:8080/streams/cam-1?token=abc&x=1#top' },
      history as unknown as History,
    );
    expect(tokens.token.value).toBe('abc');
    expect(replaced).toEqual(['/streams/cam-1?x=1#top']);
    // A reload (no token in the address) finds it in sessionStorage.
    const again = createTokenStore(
      storage,
      { href: 'http://gw:8080/' },
      history as unknown as History,
    );
    expect(again.token.value).toBe('abc');
    again.set('def');
    expect(storage.items.get('ei.apiToken')).toBe('def');
    again.set(undefined);
    expect(again.token.value).toBeUndefined();
    expect(storage.items.size).toBe(0);
  });
});
