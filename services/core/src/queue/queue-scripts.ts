import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * The queue's Lua scripts, read from ./lua (named `verbNoun-<numKeys>.lua`). They are
 * registered under versioned command names: a change to a script bumps SCRIPTS_VERSION, so
 * workers of two releases sharing one Redis during a rolling update never mix them up.
 * ioredis runs them with EVALSHA and re-sends the source after a Redis restart (NOSCRIPT).
 */
export const SCRIPTS_VERSION = 1;

export type ScriptName =
  'admitLatest' | 'admitFifo' | 'admitLossless' | 'takeLatest' | 'signalSpace' | 'getStats';

const SCRIPT_FILES: Record<ScriptName, string> = {
  admitLatest: 'admitLatest-4.lua',
  admitFifo: 'admitFifo-2.lua',
  admitLossless: 'admitLossless-3.lua',
  takeLatest: 'takeLatest-2.lua',
  signalSpace: 'signalSpace-2.lua',
  getStats: 'getStats-6.lua',
};

// Resolves to src/queue/lua both from src/queue (tests, tsx) and from dist/queue (built).
const LUA_DIR = new URL('../../src/queue/lua/', import.meta.url);

const loaded = Object.fromEntries(
  Object.entries(SCRIPT_FILES).map(([name, file]) => {
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    return [name, { numberOfKeys, lua: readFileSync(new URL(file, LUA_DIR), 'utf8') }];
  }),
) as Record<ScriptName, { numberOfKeys: number; lua: string }>;

const commandName = (name: ScriptName): string =>
  `ei${name[0]!.toUpperCase()}${name.slice(1)}V${SCRIPTS_VERSION}`;

type ScriptFn = (...args: (string | Buffer | number)[]) => Promise<unknown>;

/** Registers the scripts on a connection once; safe to call again. */
export function defineQueueScripts(redis: Redis): void {
  for (const name of Object.keys(loaded) as ScriptName[]) {
    const command = commandName(name);
    if (command in redis) continue;
    redis.defineCommand(command, loaded[name]);
  }
}

/**
 * Stores a frame with a plain command and runs an `admit*` script right after it, in one
 * MULTI/EXEC transaction: atomic like a single script, but the frame bytes never enter Lua.
 * EVAL (not EVALSHA) because a transaction cannot recover from NOSCRIPT after a Redis
 * restart; Redis caches the compiled script by its hash, so only the ~1 KB text travels.
 * Returns the script's reply.
 */
export async function storeAndAdmit(
  redis: Redis,
  store: { command: 'rpush' | 'set'; key: string; value: Buffer },
  script: 'admitLatest' | 'admitFifo' | 'admitLossless',
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const { lua, numberOfKeys } = loaded[script];
  // Not ioredis's pipelined MULTI: it concatenates the whole transaction into one new
  // buffer, a third copy of the frame (measured: 7.3k pushes/s pipelined, see
  // docs/architecture.md). The commands are written one by one in one synchronous run, so
  // nothing else can slip in between MULTI and EXEC on this connection.
  if (redis.options.enableAutoPipelining) {
    // Auto-pipelining may reorder single commands across callers; a pipelined MULTI keeps
    // the transaction whole at the price of the extra copy.
    const transaction = redis.multi();
    if (store.command === 'rpush') transaction.rpush(store.key, store.value);
    else transaction.set(store.key, store.value);
    const replies = await transaction.eval(lua, numberOfKeys, ...keys, ...args).exec();
    if (!replies) throw new Error(`${script}: transaction aborted`);
    for (const [error] of replies) if (error) throw error;
    return replies[1]![1];
  }
  // Corked, the four commands leave in one writev and reach Redis in one read, instead of
  // four system calls on each side (measured: see docs/performance.md, bench:queue).
  const socket = redis.status === 'ready' ? redis.stream : undefined;
  socket?.cork();
  let executed: Promise<[error: Error | null, result: unknown][] | null>;
  const sent: Promise<unknown>[] = [];
  try {
    sent.push(redis.multi({ pipeline: false }));
    sent.push(
      store.command === 'rpush'
        ? redis.rpush(store.key, store.value)
        : redis.set(store.key, store.value),
    );
    sent.push(redis.eval(lua, numberOfKeys, ...keys, ...args));
    executed = redis.exec();
  } finally {
    socket?.uncork();
  }
  // MULTI answers OK and the queued commands QUEUED; a failure there aborts the EXEC too.
  const [replies] = await Promise.all([executed, Promise.all(sent)]);
  if (!replies) throw new Error(`${script}: transaction aborted`);
  for (const [error] of replies) if (error) throw error;
  return replies[1]![1];
}

/** Runs a script; `buffer` asks for binary replies (frames) instead of strings. */
export function runQueueScript(
  redis: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | Buffer | number)[],
  buffer = false,
): Promise<unknown> {
  defineQueueScripts(redis);
  const fn = (redis as unknown as Record<string, ScriptFn>)[
    commandName(name) + (buffer ? 'Buffer' : '')
  ]!;
  return fn.call(redis, ...keys, ...args);
}
