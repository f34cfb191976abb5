import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ResultBus } from '@ei/core';
import type { Logger, Subscription } from '@ei/core';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { GatewayMetrics } from '../gateway-metrics.js';
import { clientMessageSchema, type ServerMessage } from './ws-messages.js';

export interface LiveRelayOptions {
  bus: ResultBus;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Most clients at once; more are refused with 503. */
  maxClients: number;
  /** A client whose unsent bytes exceed this skips frames until it catches up. */
  maxBufferedBytes: number;
  /** Ping period; a client that missed a pong is dropped. Default 30 s. */
  pingIntervalMs?: number;
}

interface Client {
  socket: WebSocket;
  /** Streams the client watches; `all` for every stream. */
  streams: Set<string> | 'all';
  alive: boolean;
}

const MAX_CONTROL_MESSAGE_BYTES = 64 * 1024;
/** Options of every result send, allocated once: binary, never compressed. */
const BINARY = { binary: true, compress: false } as const;

function send(socket: WebSocket, message: ServerMessage): void {
  socket.send(JSON.stringify(message));
}

/**
 * Relays live results from the result bus to websocket clients. One Redis subscription
 * serves every client; each inferred frame goes out as one binary message, the bytes
 * the worker published (metadata and the original JPEG), never re-encoded.
 *
 * Backpressure is per client: while a client's unsent bytes are over the bound, frames
 * for it are skipped and counted, so a slow client costs at most the bound in memory and
 * never slows the others.
 */
export class LiveRelay {
  private readonly server: WebSocketServer;
  private readonly clients = new Set<Client>();
  private subscription: Subscription | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveRelayOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_CONTROL_MESSAGE_BYTES,
      perMessageDeflate: false,
    });
  }

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe(
      '*',
      (live) => this.deliver(live.result.streamId, live.message),
      (error) => this.options.logger.debug({ err: error.message }, 'result subscription error'),
    );
    this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs ?? 30_000);
    this.pingTimer.unref();
  }

  /** Takes over an HTTP upgrade for `/ws` or `/ws/streams/:id` (already authorised). */
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    streams: Set<string> | 'all' | 'none',
  ): void {
    if (this.clients.size >= this.options.maxClients) {
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"code":"ws/too-many-clients","message":"too many websocket clients"}}',
      );
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) =>
      this.attach(ws, streams === 'none' ? new Set() : streams),
    );
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
    await this.subscription?.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private attach(socket: WebSocket, streams: Set<string> | 'all'): void {
    const client: Client = { socket, streams, alive: true };
    this.clients.add(client);
    this.options.metrics.wsClients.set(this.clients.size);
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (data, isBinary) => this.control(client, data, isBinary));
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      this.clients.delete(client);
      this.options.metrics.wsClients.set(this.clients.size);
    });
    send(socket, { type: 'hello', streams: streams === 'all' ? '*' : [...streams] });
  }

  private control(client: Client, data: RawData, isBinary: boolean): void {
    const reply = (message: ServerMessage): void => send(client.socket, message);
    if (isBinary)
      return reply({
        type: 'error',
        code: 'ws/binary',
        message: 'send JSON text: {"op":"subscribe","streams":["id"]}',
      });
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      return reply({ type: 'error', code: 'ws/bad-json', message: 'not JSON' });
    }
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      return reply({
        type: 'error',
        code: 'ws/bad-op',
        message: 'expected {"op":"subscribe"|"unsubscribe","streams":[ids]|"*"}',
      });
    }
    const message = parsed.data;
    if (message.op === 'subscribe') {
      if (message.streams === '*') client.streams = 'all';
      else if (client.streams !== 'all') for (const id of message.streams) client.streams.add(id);
    } else if (message.streams === '*') client.streams = new Set();
    else if (client.streams !== 'all') for (const id of message.streams) client.streams.delete(id);
    reply({ type: 'subscribed', streams: client.streams === 'all' ? '*' : [...client.streams] });
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
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }
}
