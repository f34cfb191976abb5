import {
  Backoff,
  decodeResultMessage,
  type BackoffOptions,
  type InferenceResult,
} from '@ei/core/browser';

export type ConnectionState = 'connecting' | 'open' | 'waiting' | 'paused';

export interface ConnectionStatus {
  state: ConnectionState;
  /** For `waiting`: Date.now() of the next try. */
  retryAt?: number;
  /** Failed tries since the last open connection. */
  attempts: number;
}

/** Streams to receive: every stream, or the listed ones. */
export type StreamSelection = '*' | readonly string[];

/** The subset of the browser's WebSocket the connection uses (tests pass a fake). */
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveConnectionOptions {
  /** Full ws:// or wss:// URL of the gateway's `/ws`, token included. Read on every try. */
  url: () => string;
  onResult: (result: InferenceResult, jpeg: Uint8Array) => void;
  onStatus?: (status: ConnectionStatus) => void;
  /** A binary message that is not a result: counted, skipped. */
  onUndecodable?: () => void;
  createSocket?: (url: string) => SocketLike;
  backoff?: BackoffOptions;
  /**
   * Every this many ms the subscription is sent again; a connection that answers nothing
   * within `silenceMs` after it is dead (a gateway gone without closing TCP) and is
   * replaced. Defaults 15 s and 10 s.
   */
  keepAliveMs?: number;
  silenceMs?: number;
}

const OPEN = 1;

/**
 * The dashboard's one websocket to the gateway's multiplexed `/ws`. It subscribes to the
 * selected streams, hands each binary result message to `onResult` decoded, and comes
 * back by itself after any failure with capped exponential backoff.
 */
export class LiveConnection {
  private socket: SocketLike | undefined;
  private selection: StreamSelection = '*';
  private readonly backoff: Backoff;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  private lastMessageAt = 0;
  private running = false;
  private currentStatus: ConnectionStatus = { state: 'paused', attempts: 0 };

  constructor(private readonly options: LiveConnectionOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.keepAliveTimer = setInterval(() => this.keepAlive(), this.options.keepAliveMs ?? 15_000);
    this.connect();
  }

  /** Closes the socket and stays closed until `start()` (e.g. while no valid token is known). */
  stop(): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.keepAliveTimer);
    this.drop();
    this.setStatus({ state: 'paused', attempts: this.backoff.attempts });
  }

  /** Reconnects at once, e.g. after the token changed. */
  reconnect(): void {
    this.backoff.reset();
    this.drop();
    if (this.running) this.connect();
  }

  select(selection: StreamSelection): void {
    const previous = this.selection;
    this.selection = selection;
    if (this.socket?.readyState !== OPEN) return;
    // Unsubscribing first makes the server's set exactly the new selection.
    if (previous !== '*' || selection !== '*') {
      this.send({ op: 'unsubscribe', streams: '*' });
      this.subscribe();
    }
  }

  private connect(): void {
    clearTimeout(this.retryTimer);
    this.setStatus({ state: 'connecting', attempts: this.backoff.attempts });
    let socket: SocketLike;
    try {
      socket = (this.options.createSocket ?? browserSocket)(this.options.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      this.lastMessageAt = Date.now();
      this.subscribe();
    };
    socket.onmessage = (event) => this.receive(event);
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.scheduleRetry();
    };
  }

  private receive(event: MessageEvent): void {
    this.lastMessageAt = Date.now();
    if (typeof event.data === 'string') {
      // The server's hello or subscription answer: the connection really works now.
      if (this.currentStatus.state !== 'open') {
        this.backoff.reset();
        this.setStatus({ state: 'open', attempts: 0 });
      }
      return;
    }
    let decoded: ReturnType<typeof decodeResultMessage>;
    try {
      decoded = decodeResultMessage(new Uint8Array(event.data as ArrayBuffer));
    } catch {
      this.options.onUndecodable?.();
      return;
    }
    this.options.onResult(decoded.result, decoded.jpeg);
  }

  private subscribe(): void {
    this.send({
      op: 'subscribe',
      streams: this.selection === '*' ? '*' : [...this.selection],
    });
  }

  private keepAlive(): void {
    if (this.socket?.readyState !== OPEN) return;
    const silence = this.options.silenceMs ?? 10_000;
    if (Date.now() - this.lastMessageAt > (this.options.keepAliveMs ?? 15_000) + silence) {
      this.drop();
      this.scheduleRetry();
      return;
    }
    this.subscribe();
  }

  private send(message: object): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    socket.onopen = socket.onclose = socket.onmessage = socket.onerror = null;
    socket.close();
  }

  private scheduleRetry(): void {
    if (!this.running) return;
    clearTimeout(this.retryTimer);
    const delay = this.backoff.next();
    this.setStatus({
      state: 'waiting',
      retryAt: Date.now() + delay,
      attempts: this.backoff.attempts,
    });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private setStatus(status: ConnectionStatus): void {
    this.currentStatus = status;
    this.options.onStatus?.(status);
  }
}

function browserSocket(url: string): SocketLike {
  return new WebSocket(url);
}

/** `/ws` of the gateway that served the page, with the token browsers cannot send as a header. */
export function liveUrl(location: Pick<Location, 'protocol' | 'host'>, token?: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}://${location.host}/ws${query}`;
}
