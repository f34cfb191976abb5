/**
 * The receiving side of bench/gateway.bench.ts, in its own process like real dashboards:
 * N websocket clients of the gateway that watch every stream, and one subscriber straight
 * on the result bus (the floor without the gateway). Each message carries `sentAtMs`, a
 * CLOCK_MONOTONIC stamp (process.hrtime) taken by the publisher right before
 * `ResultBus.publish`; that clock is the same in every process of the machine, so
 * receipt minus stamp is the exact publish → receive time.
 *
 * argv: <gateway port> <token> <clients> <redis url> <direct|no-direct>. Messages from the parent:
 * `{ window: [start, end] }` (monotonic ms; only messages stamped inside count), then
 * `{ stop: expectedPerClient }`, answered with the figures once every client has its
 * expected messages or 2 s have passed.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRedis, decodeResultMessage, ResultBus, waitUntilReady } from '@ei/core';
import { WebSocket } from 'ws';

export interface ClientsReport {
  /** Publish → gateway → websocket client, ms, every client's messages together. */
  latencies: number[];
  /** Publish → this process straight from Redis, ms. */
  direct: number[];
  delivered: number;
  outOfOrder: number;
  bytes: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuSeconds: number;
}

type Stamped = { sentAtMs?: number };
const [port, token, clientCount, redisUrl, withDirect] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const mono = (): number => Number(process.hrtime.bigint()) / 1e6;
let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.POSITIVE_INFINITY;
const latencies: number[] = [];
const direct: number[] = [];
const perClient: number[] = [];
let outOfOrder = 0;
let bytes = 0;

const sockets = await Promise.all(
  Array.from({ length: Number(clientCount) }, async (_, index) => {
    perClient[index] = 0;
    const lastSeq = new Map<string, number>();
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: false,
    });
    let subscribed!: () => void;
    const subscribing = new Promise<void>((resolve) => (subscribed = resolve));
    socket.on('message', (data: Buffer, isBinary) => {
      const received = mono();
      if (!isBinary) {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'subscribed') subscribed();
        return;
      }
      // A real client decodes every message: the cost belongs to the receiving side.
      const { result } = decodeResultMessage(data);
      if ((lastSeq.get(result.streamId) ?? -1) > result.seq) outOfOrder += 1;
      lastSeq.set(result.streamId, result.seq);
      const sentAt = (result as Stamped).sentAtMs ?? Number.NaN;
      if (!(sentAt >= windowStart && sentAt < windowEnd)) return;
      perClient[index]! += 1;
      bytes += data.length;
      latencies.push(received - sentAt);
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ op: 'subscribe', streams: '*' }));
    await subscribing;
    return socket;
  }),
);

const redis = createRedis({ url: redisUrl });
await waitUntilReady(redis);
const subscription = await new ResultBus({ redis }).subscribe(
  withDirect === 'direct' ? '*' : [],
  ({ result }) => {
    const received = mono();
    const sentAt = (result as Stamped).sentAtMs ?? Number.NaN;
    if (sentAt >= windowStart && sentAt < windowEnd) direct.push(received - sentAt);
  },
);

const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let cpuAtStart = process.cpuUsage();
process.on('message', (message: { window?: [number, number]; stop?: number }) => {
  if (message.window) {
    [windowStart, windowEnd] = message.window;
    loopDelay.enable();
    cpuAtStart = process.cpuUsage();
  }
  if (message.stop !== undefined) void stop(message.stop);
});
process.send!('ready');

async function stop(expectedPerClient: number): Promise<void> {
  const cpu = process.cpuUsage(cpuAtStart);
  const deadline = Date.now() + 2000;
  while (perClient.some((n) => n < expectedPerClient) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  loopDelay.disable();
  const report: ClientsReport = {
    latencies,
    direct,
    delivered: perClient.reduce((a, b) => a + b, 0),
    outOfOrder,
    bytes,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  for (const socket of sockets) socket.terminate();
  await subscription.close();
  redis.disconnect();
  process.send!(report, () => process.disconnect());
}
