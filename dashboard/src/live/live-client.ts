import type { LiveChannel } from './live-channel';
import type { ConnectionStatus, StreamSelection } from './live-connection';
import type { LiveCounters, StreamSummary } from './live-protocol';
import { StreamFeed } from './stream-feed';

export interface LiveClientOptions {
  channel: LiveChannel;
  /** URL of `/ws` with the current token; read on every (re)connect. */
  url: () => string;
  onStatus?: (status: ConnectionStatus) => void;
}

/**
 * The page's side of the live frames: starts and steers the live worker's connection and
 * hands each decoded frame to its stream's feed.
 */
export class LiveClient {
  private readonly feeds = new Map<string, StreamFeed>();
  private summaries: StreamSummary[] = [];
  private running = false;
  status: ConnectionStatus = { state: 'paused', attempts: 0 };
  counters: LiveCounters = { messages: 0, decoded: 0, decodeErrors: 0 };

  constructor(private readonly options: LiveClientOptions) {
    options.channel.onMessage = (message) => {
      switch (message.type) {
        case 'status':
          this.status = message.status;
          options.onStatus?.(message.status);
          return;
        case 'frame':
          this.feed(message.frame.result.streamId).deliver(message.frame);
          return;
        case 'summary':
          this.summaries = message.streams;
          this.counters = message.counters;
          for (const summary of message.streams) {
            const feed = this.feeds.get(summary.id);
            if (feed) feed.summary = summary;
          }
          this.prune();
          return;
      }
    };
  }

  get started(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.options.channel.send({ op: 'connect', url: this.options.url() });
  }

  stop(): void {
    this.running = false;
    this.options.channel.send({ op: 'disconnect' });
  }

  /** Reconnects at once with a fresh URL (the token changed). */
  reconnect(): void {
    if (this.running) this.options.channel.send({ op: 'connect', url: this.options.url() });
  }

  select(streams: StreamSelection): void {
    this.options.channel.send({ op: 'select', streams });
  }

  feed(id: string): StreamFeed {
    let feed = this.feeds.get(id);
    if (!feed) {
      feed = new StreamFeed(id, (message) => this.options.channel.send(message));
      feed.summary = this.summaries.find((s) => s.id === id);
      this.feeds.set(id, feed);
    }
    return feed;
  }

  /** Streams with a result newer than `ms` ago (shown even when no producer announced them). */
  activeSince(ms: number, now = Date.now()): StreamSummary[] {
    return this.summaries.filter((s) => now - s.lastReceivedAt <= ms);
  }

  get feedCount(): number {
    return this.feeds.size;
  }

  /** Feeds of streams the worker no longer reports and nothing shows are dropped. */
  private prune(): void {
    const reported = new Set(this.summaries.map((s) => s.id));
    for (const [id, feed] of this.feeds) {
      if (feed.viewerCount === 0 && !reported.has(id)) {
        feed.dispose();
        this.feeds.delete(id);
      }
    }
  }
}
