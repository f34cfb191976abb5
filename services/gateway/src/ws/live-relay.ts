import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger, ResultBus, Subscription } from '@ei/core';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { GatewayMetrics, WsCloseReason } from '../gateway-metrics.js';
import { answerSocket } from '../http/error-responses.js';
import { MessageBudget } from './message-budget.js';
import { clientMessageSchema, type ServerMessage } from './ws-messages.js';

export interface LiveRelayOptions {
  bus: ResultBus;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Most clients at once; more are refused with 503. */
  maxClients: number;
  /** Most clients at once from one IP address; more are refused with 429. */
  maxClientsPerIp: number;
  /** A client whose unsent bytes exceed this skips frames and replies until it catches up. */
  maxBufferedBytes: number;
  /** Most stream ids one client may watch; a client asking for more is closed with 1008. */
  maxSubscriptions: number;
  /** Ping period; a client that missed a pong is dropped. Default 30 s. */
  pingIntervalMs?: number;
}

interface Client {
  socket: WebSocket;
  /** Streams the client watches; `all` for every stream. */
  streams: Set<string> | 'all';
  alive: boolean;
  address: string;
  budget: MessageBudget;
  /** The gateway is closing it (a limit, a protocol error, no pong). */
  dropped: boolean;
}

/** Limits of every websocket client that no option changes (docs/api.md lists them). */
export const WS_FIXED_LIMITS = {
  /** A larger message is closed with 1009 by ws. */
  maxMessageBytes: 64 * 1024,
  /**
   * Control messages a client may send in a burst, and per second after it. The dashboard
   * sends one every 15 s and two per change of view; a client far above this is a loop or
   * a flood, and each message costs a JSON parse and a validation.
   */
  controlBurst: 32,
  controlPerSecond: 8,
} as const;
/** RFC 6455 close code of a policy violation: a limit the client went over. */
const POLICY_VIOLATION = 1008;
const CLOSE_HANDSHAKE_MS = 2000;
/** Options of every result send, allocated once: binary, never compressed. */
const BINARY = { binary: true, compress: false } as const;

/**
 * Relays live results from the result bus to websocket clients. One Redis subscription
 * serves every client; each inferred frame goes out as one binary message, the bytes
 * the worker published (metadata and the original JPEG), never re-encoded.
 *
 * Backpressure is per client: while a client's unsent bytes are over the bound, frames
 * and answers for it are skipped and counted, so a slow client costs at most the bound in
 * memory and never slows the others. What a client may ask for is bounded too: clients
 * per address and in all, stream ids per client, control messages per second.
 */
export class LiveRelay {
  private readonly server: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly perAddress = new Map<string, number>();
  private readonly stopping = new AbortController();
  private subscription: Subscription | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveRelayOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: WS_FIXED_LIMITS.maxMessageBytes,
      perMessageDeflate: false,
    });
  }

  /**
   * Subscribes to every stream's results. Returns at once: while Redis is away the
   * subscription waits for it (`subscribed` says when it holds), so the gateway can
   * listen, and answer its liveness probe, before Redis is up.
   */
  start(): void {
    this.options.bus
      .subscribe(
        '*',
        (live) => this.deliver(live.result.streamId, live.message),
        (error) => this.options.logger.debug({ err: error.message }, 'result subscription error'),
        { signal: this.stopping.signal },
      )
      .then(
        (subscription) => (this.subscription = subscription),
        (error: Error) => {
          if (!this.stopping.signal.aborted)
            this.options.logger.error({ err: error.message }, 'result subscription failed');
        },
      );
    this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs ?? 30_000);
    this.pingTimer.unref();
  }

  /** True once the result subscription holds (it re-subscribes by itself after outages). */
  get subscribed(): boolean {
    return this.subscription !== undefined;
  }

  /** Takes over an HTTP upgrade for `/ws` or `/ws/streams/:id` (already authorised). */
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    streams: Set<string> | 'all' | 'none',
  ): void {
    const address = clientAddress(request);
    if (this.clients.size >= this.options.maxClients) {
      this.options.metrics.wsRefused.inc({ reason: 'clients' });
      answerSocket(socket, 503, 'ws/too-many-clients', 'too many websocket clients');
      return;
    }
    if ((this.perAddress.get(address) ?? 0) >= this.options.maxClientsPerIp) {
      this.options.metrics.wsRefused.inc({ reason: 'clients-per-ip' });
      answerSocket(
        socket,
        429,
        'ws/too-many-clients-per-ip',
        `too many websocket clients from this address (at most ${this.options.maxClientsPerIp})`,
      );
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) =>
      this.attach(ws, address, streams === 'none' ? new Set() : streams),
    );
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    this.stopping.abort();
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
    this.perAddress.clear();
    await this.subscription?.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private attach(socket: WebSocket, address: string, streams: Set<string> | 'all'): void {
    const client: Client = {
      socket,
      streams,
      alive: true,
      address,
      budget: new MessageBudget(WS_FIXED_LIMITS.controlBurst, WS_FIXED_LIMITS.controlPerSecond),
      dropped: false,
    };
    this.clients.add(client);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.options.metrics.wsClients.set(this.clients.size);
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (data, isBinary) => this.control(client, data, isBinary));
    // A frame ws cannot accept (over 64 KiB, bad UTF-8, bad opcode): ws has closed it with
    // the code RFC 6455 gives (1009, 1007, 1002) before this runs.
    socket.on('error', () => this.drop(client, 'protocol'));
    socket.on('close', () => this.forget(client));
    this.reply(client, { type: 'hello', streams: streams === 'all' ? '*' : [...streams] });
  }

  private forget(client: Client): void {
    if (!this.clients.delete(client)) return;
    const left = (this.perAddress.get(client.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(client.address, left);
    else this.perAddress.delete(client.address);
    this.options.metrics.wsClients.set(this.clients.size);
  }

  /**
   * Ends a client the gateway gives up on, counted once by reason: a limit closes it with
   * 1008 and the message; a protocol error was already closed by ws with its code; a
   * client that missed a pong is cut at once.
   */
  private drop(client: Client, reason: WsCloseReason, closeMessage?: string): void {
    if (client.dropped) return;
    client.dropped = true;
    this.options.metrics.wsClosed.inc({ reason });
    if (reason === 'no-pong') {
      client.socket.terminate();
      return;
    }
    if (closeMessage !== undefined) client.socket.close(POLICY_VIOLATION, closeMessage);
    // The close handshake waits for the client's answer (30 s in ws); one that does not
    // read keeps its slot and its buffer only this long.
    setTimeout(() => client.socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
  }

  /** Text answers go through the same bound as frames: never queued without limit. */
  private reply(client: Client, message: ServerMessage): void {
    if (client.socket.readyState !== WebSocket.OPEN) return;
    if (client.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.options.metrics.repliesSkipped.inc();
      return;
    }
    client.socket.send(JSON.stringify(message));
  }

  private control(client: Client, data: RawData, isBinary: boolean): void {
    if (client.dropped) return;
    if (!client.budget.take()) {
      return this.drop(
        client,
        'message-rate',
        `too many control messages (at most ${WS_FIXED_LIMITS.controlPerSecond} a second)`,
      );
    }
    if (isBinary) {
      return this.reply(client, {
        type: 'error',
        code: 'ws/binary',
        message: 'send JSON text: {"op":"subscribe","streams":["id"]}',
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      return this.reply(client, { type: 'error', code: 'ws/bad-json', message: 'not JSON' });
    }
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      return this.reply(client, {
        type: 'error',
        code: 'ws/bad-op',
        message: 'expected {"op":"subscribe"|"unsubscribe","streams":[ids]|"*"}',
      });
    }
    const { op, streams } = parsed.data;
    if (op === 'subscribe') {
      if (streams === '*') {
        client.streams = 'all';
        return this.reply(client, { type: 'subscribed', streams: '*' });
      }
      const watched = client.streams;
      if (watched === 'all') return this.reply(client, { type: 'subscribed', streams: [] });
      const added = [...new Set(streams)].filter((id) => !watched.has(id));
      if (watched.size + added.length > this.options.maxSubscriptions) {
        return this.drop(
          client,
          'subscriptions',
          `too many stream ids (at most ${this.options.maxSubscriptions}; "*" watches all)`,
        );
      }
      for (const id of added) watched.add(id);
      return this.reply(client, { type: 'subscribed', streams: added });
    }
    if (streams === '*') {
      client.streams = new Set();
      return this.reply(client, { type: 'unsubscribed', streams: '*' });
    }
    const watched = client.streams;
    const removed = watched === 'all' ? [] : [...new Set(streams)].filter((id) => watched.has(id));
    if (watched !== 'all') for (const id of removed) watched.delete(id);
    this.reply(client, { type: 'unsubscribed', streams: removed });
  }

  /**
   * The hot path: the message Buffer as received from Redis goes to every watching client
   * as is (ws frames it with a small header and writes both with one writev; no copy, no
   * compression, no re-encoding), and the counters move once per message, not per client.
   */
  private deliver(streamId: string, message: Buffer): void {
    let sent = 0;
    let skipped = 0;
    for (const client of this.clients) {
      if (client.streams !== 'all' && !client.streams.has(streamId)) continue;
      if (client.socket.readyState !== WebSocket.OPEN) continue;
      if (client.socket.bufferedAmount > this.options.maxBufferedBytes) {
        skipped += 1;
        continue;
      }
      client.socket.send(message, BINARY);
      sent += 1;
    }
    if (sent > 0) this.options.metrics.framesSent.inc(sent);
    if (skipped > 0) this.options.metrics.framesSkipped.inc(skipped);
  }

  private ping(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        this.drop(client, 'no-pong');
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }
}

/** The peer's IP address, IPv4 clients of a dual-stack socket written as IPv4. */
function clientAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
