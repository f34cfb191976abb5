import { shallowRef, type ShallowRef } from 'vue';

const STORAGE_KEY = 'ei.apiToken';

export interface TokenStore {
  token: ShallowRef<string | undefined>;
  set(token: string | undefined): void;
}

/**
 * The gateway's bearer token for this tab. A `?token=` in the address is taken once and
 * removed from it (kept out of history, bookmarks and screenshots), then lives in
 * sessionStorage so a reload or a client-side route keeps it, and closing the tab
 * forgets it.
 */
export function createTokenStore(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = sessionStorage,
  location: Pick<Location, 'href'> = window.location,
  history: Pick<History, 'replaceState' | 'state'> = window.history,
): TokenStore {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    if (fromUrl) storage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  const token = shallowRef(storage.getItem(STORAGE_KEY) || undefined);
  return {
    token,
    set(value) {
      if (value) storage.setItem(STORAGE_KEY, value);
      else storage.removeItem(STORAGE_KEY);
      token.value = value || undefined;
    },
  };
}
