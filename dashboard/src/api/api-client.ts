import type { PlatformEvent, StreamView, TypeView } from './api-types';

/** The gateway answered 401: no token, or a wrong one. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** Any other failure: the gateway unreachable (status 0) or an error status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClient {
  streams(): Promise<StreamView[]>;
  stream(id: string): Promise<StreamView | undefined>;
  types(): Promise<TypeView[]>;
  events(limit?: number): Promise<PlatformEvent[]>;
}

export interface ApiClientOptions {
  token: () => string | undefined;
  /** Default: the origin that served the page. */
  baseUrl?: string;
  fetch?: typeof fetch;
}

/** The REST API of the gateway, with the bearer token when one is known. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function get<T>(path: string, notFoundIsUndefined = false): Promise<T | undefined> {
    const token = options.token();
    let response: Response;
    try {
      response = await doFetch(`${base}/api${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        cache: 'no-store',
      });
    } catch (error) {
      throw new ApiError(0, `gateway unreachable: ${(error as Error).message}`);
    }
    if (response.status === 401) throw new UnauthorizedError('the gateway wants a valid token');
    if (response.status === 404 && notFoundIsUndefined) return undefined;
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as
        { error?: { message?: string } } | undefined;
      throw new ApiError(
        response.status,
        body?.error?.message ?? `GET /api${path}: HTTP ${response.status}`,
      );
    }
    return (await response.json()) as T;
  }

  return {
    streams: async () => (await get<{ streams: StreamView[] }>('/streams'))!.streams,
    stream: (id) => get<StreamView>(`/streams/${encodeURIComponent(id)}`, true),
    types: async () => (await get<{ types: TypeView[] }>('/types'))!.types,
    events: async (limit = 30) =>
      (await get<{ events: PlatformEvent[] }>(`/events?limit=${limit}`))!.events,
  };
}
