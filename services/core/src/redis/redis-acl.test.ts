import { encode as msgpack } from '@msgpack/msgpack';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueuePolicy } from '../config/config-schema.js';
import { EventLog } from '../events/event-log.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame } from '../frame/frame-codec.js';
import type { Frame } from '../frame/frame.js';
import { FrameConsumer } from '../queue/frame-consumer.js';
import { FrameQueue } from '../queue/frame-queue.js';
import { StreamRegistry } from '../registry/stream-registry.js';
import { WorkerRegistry } from '../registry/worker-registry.js';
import { ResultBus, type LiveResult } from '../results/result-bus.js';
import { sampleJpeg } from '../testing/sample-jpeg.js';
import { sampleFrame, sampleResult } from '../testing/sample-messages.js';
import { startPrivateRedis, type PrivateRedis } from '../testing/redis-server.js';
import { waitFor } from '../testing/wait-for.js';
import { aclUserLine, REDIS_USERS, renderAclFile, type RedisUser } from './redis-acl.js';
import { withAclDocs } from './redis-acl-docs.js';
import { createRedis, waitUntilReady, type Redis } from './redis-client.js';
import { queueKeys, registryKeys, resultKeys, workerKeys } from './keys.js';
import { redisServerLimits } from './redis-server-limits.js';

// Every test runs against a real redis-server started with the ACL file the platform
// ships (renderAclFile), and drives the components' own code as their users.
const PREFIX = 'ei:';
const JPEG = sampleJpeg();
let server: PrivateRedis;
const opened: Redis[] = [];

beforeAll(async () => {
  server = await startPrivateRedis({
    acl: { keyPrefix: PREFIX },
    args: redisServerLimits(DEFAULT_MAX_FRAME_BYTES),
  });
});
afterAll(async () => {
  for (const redis of opened) redis.disconnect();
  await server.stop();
});

async function as(user: RedisUser, target = server): Promise<Redis> {
  const redis = createRedis(target.connection(user), { connectionName: `ei-test-${user}` });
  redis.on('error', () => undefined);
  opened.push(redis);
  await waitUntilReady(redis);
  return redis;
}

const frame = (type: string, streamId: string, seq: number): Frame =>
  sampleFrame(streamId, seq, { type, data: JPEG });
const result = sampleResult;

// How Redis refuses: NOPERM for a command, an error of the script for a command inside one,
// and a configuration refusal for DEBUG, which is off unless enabled at start.
const REFUSED = /NOPERM|no permissions|user executing the script can't|DEBUG command not allowed/;

/** The error Redis answers, or `'allowed'` when it ran. */
async function attempt(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'allowed';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the ACL file', () => {
  it('is documented in docs/security.md as defined (run `pnpm docs:acl`)', async () => {
    const committed = await readFile(
      new URL('../../../../docs/security.md', import.meta.url),
      'utf8',
    );
    expect(withAclDocs(committed)).toBe(committed);
  });

  it('holds no password, only SHA-256 hashes, and switches the default user off', () => {
    const passwords = { producer: ['p1'], worker: ['w1'], gateway: ['g1'], admin: ['a1', 'a0'] };
    const text = renderAclFile({ keyPrefix: PREFIX, passwords });
    expect(text.split('\n')[0]).toBe('user default reset');
    for (const word of ['p1', 'w1', 'g1', 'a1', 'a0']) expect(text).not.toMatch(` >${word}`);
    // Two hashes for the admin: the old password still works during a rotation.
    expect(
      text
        .split('\n')
        .find((l) => l.startsWith('user admin '))!
        .match(/ #[0-9a-f]{64}/g),
    ).toHaveLength(2);
  });

  it('puts every key pattern under the configured prefix', () => {
    for (const user of REDIS_USERS.filter((u) => u !== 'admin')) {
      const line = aclUserLine(user, 'site-7:', ['x']);
      const patterns = [...line.matchAll(/~([^ )]+)/g)].map((m) => m[1]!);
      expect(patterns.length, user).toBeGreaterThan(0);
      for (const pattern of patterns) expect(pattern).toMatch(/^(site-7:|queue_\*$)/);
      const channels = [...line.matchAll(/&([^ )]+)/g)].map((m) => m[1]!);
      for (const channel of channels) expect(channel).toBe('site-7:results:live:*');
    }
  });

  it('refuses a client that has not authenticated as one of the users', async () => {
    const anonymous = createRedis({ url: server.url });
    anonymous.on('error', () => undefined);
    opened.push(anonymous);
    await expect(waitUntilReady(anonymous, 5000)).rejects.toThrow(/NOAUTH/);
    const wrong = createRedis({ ...server.connection('producer'), password: 'guess' });
    wrong.on('error', () => undefined);
    opened.push(wrong);
    await expect(waitUntilReady(wrong, 5000)).rejects.toThrow(
      /Redis refused the credentials \(WRONGPASS.*check redis\.username/,
    );
  });
});

describe('producer user (camera side of the frame-queue NodePort)', () => {
  it.each<[QueuePolicy, string]>([
    ['latest', 'people'],
    ['fifo', 'car'],
    ['lossless', 'face'],
  ])(
    'pushes frames with policy %s, drops included, and a worker takes them',
    async (policy, type) => {
      const producer = await as('producer');
      const worker = await as('worker');
      const cap = 2;
      const queue = new FrameQueue({ redis: producer, type, policy, cap, keyPrefix: PREFIX });
      const consumer = new FrameConsumer({ redis: worker, type, keyPrefix: PREFIX });
      try {
        if (policy === 'lossless') {
          await queue.push(frame(type, 'cam', 0));
          await queue.push(frame(type, 'cam', 1));
          // Full: the third push waits for a wake-up token, which the worker hands out.
          const third = queue.push(frame(type, 'cam', 2));
          expect((await consumer.pop(2000))?.frame.seq).toBe(0);
          await expect(third).resolves.toEqual({ status: 'queued', dropped: 0 });
        } else {
          // latest: two frames of a stream (the first is dropped), then a third stream over
          // the cap (refused, its slot deleted); fifo: four frames into two places.
          const pushes =
            policy === 'latest'
              ? [frame(type, 'a', 0), frame(type, 'a', 1), frame(type, 'b', 0), frame(type, 'c', 0)]
              : [0, 1, 2, 3].map((seq) => frame(type, 'a', seq));
          const outcomes = [];
          for (const f of pushes) outcomes.push(await queue.push(f));
          expect(outcomes.map((o) => o.status)).toEqual(
            policy === 'latest'
              ? ['queued', 'queued', 'queued', 'rejected']
              : ['queued', 'queued', 'queued', 'queued'],
          );
        }
        const taken = [];
        for (let next = await consumer.pop(300); next; next = await consumer.pop(300))
          taken.push(`${next.frame.streamId}#${next.frame.seq}`);
        expect(taken).toEqual(
          { latest: ['a#1', 'b#0'], fifo: ['a#2', 'a#3'], lossless: ['cam#1', 'cam#2'] }[policy],
        );
        // The gateway reads the exact counters.
        const gateway = await as('gateway');
        const stats = await new FrameQueue({
          redis: gateway,
          type,
          policy,
          cap,
          keyPrefix: PREFIX,
        }).stats();
        expect(stats).toMatchObject(
          {
            latest: { pushed: 4, dropped: 2, popped: 2 },
            fifo: { pushed: 4, dropped: 2, popped: 2 },
            lossless: { pushed: 3, dropped: 0, popped: 3 },
          }[policy],
        );
      } finally {
        await consumer.close();
        await queue.close();
      }
    },
  );

  it('announces its streams with heartbeats and removes them; the gateway lists them', async () => {
    const producer = await as('producer');
    const gateway = await as('gateway');
    const registry = new StreamRegistry({ redis: producer, keyPrefix: PREFIX, ttlMs: 5000 });
    const listed = new StreamRegistry({ redis: gateway, keyPrefix: PREFIX });
    const errors: Error[] = [];
    const heartbeat = registry.keepAlive(
      {
        id: 'door',
        type: 'people',
        source: 'rtsp://u:secret@cam/1',
        state: 'connecting',
        host: 'h',
      },
      50,
      (error) => errors.push(error),
    );
    heartbeat.update({ state: 'live', frames: 3 });
    await waitFor('the stream live', async () => (await listed.get('door'))?.state === 'live');
    expect((await listed.list()).map((s) => s.id)).toContain('door');
    await heartbeat.stop();
    expect(await listed.get('door')).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('may push to the legacy queue_<type> list, which a worker then reads', async () => {
    const producer = await as('producer');
    const worker = await as('worker');
    const message = Buffer.from(msgpack({ name: 'old-cam', category: 'object', data: JPEG }));
    await producer.rpush(queueKeys(PREFIX, 'object').legacy, message);
    const consumer = new FrameConsumer({ redis: worker, type: 'object', keyPrefix: PREFIX });
    try {
      expect(await consumer.pop(2000)).toMatchObject({
        source: 'legacy',
        frame: { streamId: 'old-cam' },
      });
    } finally {
      await consumer.close();
    }
  });

  it('drops an orphan to admit a new stream into a full `latest` queue', async () => {
    const producer = await as('producer');
    const queue = new FrameQueue({
      ...{ redis: producer, type: 'porch', policy: 'latest', cap: 1, keyPrefix: PREFIX },
      orphanAfterMs: 1,
    });
    await queue.push(frame('porch', 'stopped', 0));
    await waitFor('an orphan admits the new stream', async () => {
      const outcome = await queue.push(frame('porch', 'new', 0));
      return outcome.status === 'queued';
    });
    const stats = await new FrameQueue({
      ...{ redis: await as('gateway'), type: 'porch', policy: 'latest', cap: 1 },
      keyPrefix: PREFIX,
    }).stats();
    expect(stats.perStream.stopped).toEqual({ pushed: 1, dropped: 1 });
    expect(stats.waiting.latest).toBe(1);
    await queue.close();
  });

  it('is refused administration, key listing, results, other streams and reading frames', async () => {
    const producer = await as('producer');
    const admin = await as('admin');
    const q = queueKeys(PREFIX, 'people');
    const r = resultKeys(PREFIX);
    // Something worth stealing, written by others.
    await admin.set(`${q.slotPrefix}victim`, encodeFrame(frame('people', 'victim', 0)));
    await admin.rpush(q.lossless, encodeFrame(frame('people', 'victim', 1)));
    await admin.xadd(r.log, '*', 'stream', 'victim', 'result', '{}');
    await admin.hset(registryKeys(PREFIX).stream('victim'), 'source', 'rtsp://cam/1');
    await admin.hset(workerKeys(PREFIX).worker('w1'), 'host', 'node-1');
    await admin.rpush(q.legacy, 'legacy frame');
    const refused: [string, () => Promise<unknown>][] = [
      ['FLUSHALL', () => producer.flushall()],
      ['FLUSHDB', () => producer.flushdb()],
      ['CONFIG SET', () => producer.config('SET', 'maxmemory', '1')],
      ['CONFIG GET', () => producer.config('GET', '*')],
      ['SHUTDOWN', () => producer.call('SHUTDOWN', 'NOSAVE')],
      ['DEBUG', () => producer.call('DEBUG', 'SLEEP', '0')],
      ['KEYS *', () => producer.keys('*')],
      ['SCAN', () => producer.scan('0')],
      ['INFO', () => producer.info()],
      ['MONITOR', () => producer.call('MONITOR')],
      ['ACL LIST', () => producer.call('ACL', 'LIST')],
      ['CLIENT LIST', () => producer.call('CLIENT', 'LIST')],
      ['CLIENT KILL', () => producer.call('CLIENT', 'KILL', 'USER', 'worker')],
      ['SCRIPT FLUSH', () => producer.call('SCRIPT', 'FLUSH')],
      ['FUNCTION LOAD', () => producer.call('FUNCTION', 'LOAD', '#!lua name=x\n')],
      ['PUBLISH to a result channel', () => producer.publish(r.channel('victim'), 'fake')],
      ['XRANGE of the results stream', () => producer.xrange(r.log, '-', '+')],
      ['XREVRANGE of the results stream', () => producer.xrevrange(r.log, '+', '-')],
      ['XADD to the results stream', () => producer.xadd(r.log, '*', 'result', '{}')],
      ['GET of a result key', () => producer.get(r.log)],
      ['GET of a frame slot', () => producer.getBuffer(`${q.slotPrefix}victim`)],
      ['SET ... GET of a frame slot', () => producer.set(`${q.slotPrefix}victim`, 'x', 'GET')],
      ['LRANGE of a lossless queue', () => producer.lrange(q.lossless, 0, -1)],
      ['LPOP of a lossless queue', () => producer.lpop(q.lossless)],
      ['LRANGE of the legacy queue', () => producer.lrange(q.legacy, 0, -1)],
      ['HGETALL of another stream', () => producer.hgetall(registryKeys(PREFIX).stream('victim'))],
      ['ZRANGE of the stream index', () => producer.zrange(registryKeys(PREFIX).index, 0, -1)],
      ['HGETALL of a worker', () => producer.hgetall(workerKeys(PREFIX).worker('w1'))],
      ['SET outside the queues', () => producer.set(`${PREFIX}events`, 'x')],
      [
        'a script reading a frame slot',
        () => producer.eval("return redis.call('GET', KEYS[1])", 1, `${q.slotPrefix}victim`),
      ],
      ['a script declaring the results stream', () => producer.eval('return 1', 1, r.log)],
      [
        'a script reading the results stream undeclared',
        () => producer.eval(`return redis.call('XRANGE', '${r.log}', '-', '+')`, 0),
      ],
    ];
    const answers = await Promise.all(refused.map(([, run]) => attempt(run)));
    const allowed = refused.filter((_, i) => !REFUSED.test(answers[i]!));
    expect(allowed.map(([name], i) => `${name}: ${answers[refused.indexOf(allowed[i]!)]}`)).toEqual(
      [],
    );
    // Subscribing to results needs a connection of its own (subscriber mode).
    const subscriber = await as('producer');
    expect(await attempt(() => subscriber.psubscribe(r.channelPattern))).toMatch(/NOPERM/);
    expect(await attempt(() => subscriber.subscribe(r.channel('victim')))).toMatch(/NOPERM/);
    // Nothing was taken or changed.
    expect(await admin.llen(q.lossless)).toBe(1);
    expect(await admin.exists(`${q.slotPrefix}victim`)).toBe(1);
    expect(await admin.dbsize()).toBeGreaterThan(0);
    await admin.del(`${q.slotPrefix}victim`, q.lossless, q.legacy, r.log);
  });
});

describe('worker and gateway users', () => {
  it('carry a frame from producer to worker to gateway', async () => {
    const [producer, worker, gateway] = await Promise.all([
      as('producer'),
      as('worker'),
      as('gateway'),
    ]);
    const queue = new FrameQueue({
      redis: producer,
      type: 'lobby',
      policy: 'latest',
      cap: 8,
      keyPrefix: PREFIX,
    });
    const streams = new StreamRegistry({ redis: producer, keyPrefix: PREFIX });
    const consumer = new FrameConsumer({ redis: worker, type: 'lobby', keyPrefix: PREFIX });
    const workerBus = new ResultBus({ redis: worker, keyPrefix: PREFIX, logMaxLen: 100 });
    const gatewayBus = new ResultBus({ redis: gateway, keyPrefix: PREFIX });
    const live: LiveResult[] = [];
    const subscription = await gatewayBus.subscribe('*', (r) => live.push(r));
    try {
      await streams.announce({ id: 'hall', type: 'lobby', source: 'x', state: 'live', host: 'h' });
      await queue.push(frame('lobby', 'hall', 7));
      const taken = await consumer.pop(2000);
      expect(taken?.frame).toMatchObject({ streamId: 'hall', seq: 7 });
      // What the worker does around an inference: check the stream, report, publish.
      expect(
        await new StreamRegistry({ redis: worker, keyPrefix: PREFIX }).get('hall'),
      ).toBeDefined();
      const workers = new WorkerRegistry({ redis: worker, keyPrefix: PREFIX });
      await workers.report({
        ...{ id: 'w-acl', type: 'lobby', host: 'h', model: 'nanodet', state: 'ready' },
        ...{ inferFps: 1, dropFps: 0, scaleRatio: 0.5 },
      });
      expect(await workers.count('lobby')).toBe(1);
      expect(
        await new FrameQueue({
          redis: worker,
          type: 'lobby',
          policy: 'latest',
          cap: 8,
          keyPrefix: PREFIX,
        }).stats(),
      ).toMatchObject({ pushed: 1, popped: 1 });
      expect(await workerBus.publish(result('hall', 7), taken!.frame.data)).toBe(1);

      await waitFor('the live result at the gateway', () => live.length === 1);
      expect(live[0]!.result).toMatchObject({ streamId: 'hall', seq: 7 });
      expect(Buffer.compare(Buffer.from(live[0]!.jpeg), JPEG)).toBe(0);
      expect((await gatewayBus.recent({ stream: 'hall' }))[0]?.result.seq).toBe(7);
      expect(
        (await new WorkerRegistry({ redis: gateway, keyPrefix: PREFIX }).list('lobby')).map(
          (w) => w.id,
        ),
      ).toEqual(['w-acl']);
      expect(
        (await new StreamRegistry({ redis: gateway, keyPrefix: PREFIX }).list()).map((s) => s.id),
      ).toContain('hall');
      await expect(new EventLog(gateway, PREFIX).recent()).resolves.toEqual([]);
      await workers.remove('w-acl', 'lobby');
    } finally {
      await subscription.close();
      await consumer.close();
      await queue.close();
    }
  });

  it("run the queue's upkeep as the worker: orphans dropped, counters of gone streams retired", async () => {
    const [producer, worker] = await Promise.all([as('producer'), as('worker')]);
    const options = { type: 'attic', policy: 'latest', cap: 8, keyPrefix: PREFIX } as const;
    const queue = new FrameQueue({ ...options, redis: producer, orphanAfterMs: 1 });
    await queue.push(frame('attic', 'gone', 0));
    await queue.push(frame('attic', 'gone', 1));
    const upkeep = new FrameQueue({ ...options, redis: worker });
    await waitFor('the orphan dropped', async () => (await upkeep.prune()).orphans === 1);
    // The stream never announced itself and has nothing waiting now: its counters went in
    // the same step.
    expect(await upkeep.prune()).toEqual({ orphans: 0, retiredFields: 0 });
    const stats = await upkeep.stats();
    expect(stats).toMatchObject({ pushed: 2, dropped: 2, retired: { pushed: 2, dropped: 2 } });
    expect(stats.perStream).toEqual({});
    await queue.close();
  });

  it('a worker ends its own blocking wait on stop() with its user', async () => {
    const worker = await as('worker');
    const consumer = new FrameConsumer({ redis: worker, type: 'car', keyPrefix: PREFIX });
    const pending = consumer.pop(20_000);
    await waitFor('the BLPOP to block', async () => {
      const admin = await as('admin');
      const list = (await admin.call('CLIENT', 'LIST')) as string;
      return list.split('\n').some((l) => l.includes(' user=worker ') && l.includes('cmd=blpop'));
    });
    const started = Date.now();
    await consumer.stop();
    await expect(pending).resolves.toBeNull();
    expect(Date.now() - started).toBeLessThan(5000);
    await consumer.close();
  });

  it('the gateway reads, and may neither push frames nor publish nor change the registry', async () => {
    const gateway = await as('gateway');
    const q = queueKeys(PREFIX, 'people');
    const refused: [string, () => Promise<unknown>][] = [
      ['SET a frame slot', () => gateway.set(`${q.slotPrefix}x`, 'frame')],
      ['RPUSH a frame', () => gateway.rpush(q.fifo, 'frame')],
      [
        'a script writing a queue',
        () => gateway.eval("return redis.call('DEL', KEYS[1])", 1, q.fifo),
      ],
      ['PUBLISH a result', () => gateway.publish(resultKeys(PREFIX).channel('x'), 'fake')],
      ['HSET a stream', () => gateway.hset(registryKeys(PREFIX).stream('x'), 'state', 'live')],
      ['FLUSHALL', () => gateway.flushall()],
      ['CONFIG GET', () => gateway.config('GET', '*')],
      ['KEYS', () => gateway.keys('*')],
    ];
    const answers = await Promise.all(refused.map(([, run]) => attempt(run)));
    answers.forEach((answer, i) => expect(answer, refused[i]![0]).toMatch(REFUSED));
  });

  it('the worker may not administer Redis or subscribe to results', async () => {
    const worker = await as('worker');
    const subscriber = await as('worker');
    const answers = await Promise.all([
      attempt(() => worker.flushall()),
      attempt(() => worker.config('SET', 'maxmemory', '1')),
      attempt(() => worker.keys('*')),
      attempt(() => worker.call('CLIENT', 'LIST')),
      attempt(() => subscriber.psubscribe(resultKeys(PREFIX).channelPattern)),
    ]);
    for (const answer of answers) expect(answer).toMatch(REFUSED);
  });

  it('the admin may do anything', async () => {
    const admin = await as('admin');
    expect(await admin.config('GET', 'maxmemory-policy')).toHaveLength(2);
    expect(await admin.call('ACL', 'WHOAMI')).toBe('admin');
  });
});

describe('ACL for another key prefix', () => {
  it('lets a producer push under its prefix and nowhere else', async () => {
    const other = await startPrivateRedis({ acl: { keyPrefix: 'site-7:' } });
    try {
      const producer = await as('producer', other);
      const own = new FrameQueue({
        redis: producer,
        type: 'people',
        policy: 'latest',
        cap: 4,
        keyPrefix: 'site-7:',
      });
      await expect(own.push(frame('people', 'a', 0))).resolves.toMatchObject({ status: 'queued' });
      const foreign = new FrameQueue({
        redis: producer,
        type: 'people',
        policy: 'latest',
        cap: 4,
        keyPrefix: 'ei:',
      });
      await expect(foreign.push(frame('people', 'a', 0))).rejects.toThrow(REFUSED);
    } finally {
      await other.stop();
    }
  });
});

describe('server limits', () => {
  it('refuse one oversized value without stopping Redis; replies a client does not read are bounded', async () => {
    const admin = await as('admin');
    const limits = redisServerLimits(DEFAULT_MAX_FRAME_BYTES);
    expect(limits).toEqual([
      ...['--proto-max-bulk-len', '9mb', '--client-query-buffer-limit', '18mb'],
      ...['--client-output-buffer-limit', 'normal', '72mb', '18mb', '30'],
      ...['--client-output-buffer-limit', 'pubsub', '72mb', '18mb', '60'],
    ]);
    expect(await admin.config('GET', 'proto-max-bulk-len')).toEqual([
      'proto-max-bulk-len',
      String(9 * 1024 * 1024),
    ]);
    const [, buffers] = (await admin.config('GET', 'client-output-buffer-limit')) as string[];
    expect(buffers).toContain(`normal ${72 * 1024 * 1024} ${18 * 1024 * 1024} 30`);
    expect(buffers).toContain(`pubsub ${72 * 1024 * 1024} ${18 * 1024 * 1024} 60`);

    // A producer announces a 10 MiB value: Redis answers at the length, before the bytes.
    const key = `${queueKeys(PREFIX, 'people').slotPrefix}huge`;
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const bulk = (text: string) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
    socket.write(`*3\r\n${bulk('AUTH')}${bulk('producer')}${bulk(server.passwords!.producer)}`);
    socket.write(`*3\r\n${bulk('SET')}${bulk(key)}$${10 * 1024 * 1024}\r\n`);
    await closed;
    expect(answer).toBe('+OK\r\n-ERR Protocol error: invalid bulk length\r\n');
    expect(await admin.exists(key)).toBe(0);
    expect(await admin.ping()).toBe('PONG');
  });
});
