import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * The queue's Lua scripts, read from ./lua (named `verbNoun-<numKeys>.lua`; shared pieces
 * in lua/includes, pulled in by a `-- @include <name>` line). Scripts run outside a
 * transaction are registered under versioned command names: a change to a script bumps
 * SCRIPTS_VERSION, so workers of two releases sharing one Redis during a rolling update
 * never mix them up. ioredis runs those with EVALSHA and re-sends the source after a Redis
 * restart (NOSCRIPT).
 */
export const SCRIPTS_VERSION = 2;

export type ScriptName =
  'admitLatest' | 'admitFifo' | 'admitLossless' | 'signalSpace' | 'getStats' | 'pruneQueue';

/** Scripts that run inside a MULTI/EXEC beside a plain command that moves the frame. */
export type TransactionScript = 'admitLatest' | 'admitFifo' | 'admitLossless';

const SCRIPT_FILES: Record<ScriptName, string> = {
  admitLatest: 'admitLatest-4.lua',
  admitFifo: 'admitFifo-2.lua',
  admitLossless: 'admitLossless-3.lua',
  signalSpace: 'signalSpace-2.lua',
  getStats: 'getStats-6.lua',
  pruneQueue: 'pruneQueue-3.lua',
};

// Resolves to src/queue/lua both from src/queue (tests, tsx) and from dist/queue (built).
const LUA_DIR = new URL('../../src/queue/lua/', import.meta.url);

const readLua = (file: string): string =>
  readFileSync(new URL(file, LUA_DIR), 'utf8').replace(
    /^-- @include (\w+)$/gm,
    (_, include: string) => readLua(`includes/${include}.lua`),
  );

/**
 * What travels to Redis: the script without its comments and indentation. Inside a
 * transaction a script goes as EVAL with its text on every call (see `transaction`), and
 * Redis hashes that text each time to find the compiled script; the documented files are
 * about three times the size of their code.
 */
const compactLua = (lua: string): string =>
  lua
    .replace(/--\[\[[\s\S]*?\]\]/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('--'))
    .join('\n');

const loaded = Object.fromEntries(
  Object.entries(SCRIPT_FILES).map(([name, file]) => {
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    return [name, { numberOfKeys, lua: compactLua(readLua(file)) }];
  }),
) as Record<ScriptName, { numberOfKeys: number; lua: string }>;

const commandName = (name: ScriptName): string =>
  `ei${name[0]!.toUpperCase()}${name.slice(1)}V${SCRIPTS_VERSION}`;

type ScriptFn = (...args: (string | Buffer | number)[]) => Promise<unknown>;
type Argument = string | Buffer | number;

/** Registers the scripts on a connection once; safe to call again. */
export function defineQueueScripts(redis: Redis): void {
  for (const name of Object.keys(loaded) as ScriptName[]) {
    const command = commandName(name);
    if (command in redis) continue;
    redis.defineCommand(command, loaded[name]);
  }
}

/** A plain command of a transaction: name and arguments, as `redis.call` takes them. */
export type PlainCommand = [name: 'SET' | 'RPUSH' | 'GETDEL' | 'ZREM', ...args: Argument[]];

/** A script of a transaction, with its keys and arguments. */
export interface ScriptCall {
  script: TransactionScript;
  keys: readonly string[];
  args: readonly Argument[];
}

/**
 * Runs commands (plain ones and at most a script) as one MULTI/EXEC transaction, in the
 * order given: atomic like a single script, but the frame bytes, moved by the plain
 * commands (SET or RPUSH by a producer, GETDEL by a worker), never enter Lua. Returns
 * EXEC's replies in order, binary (a frame is a Buffer); a failed command throws.
 *
 * EVAL (not EVALSHA) because a transaction cannot recover from NOSCRIPT after a Redis
 * restart: the commands around the failed script would have run. Redis caches the compiled
 * script by its hash, so only its compact text (a few hundred bytes) travels.
 */
export async function transaction(
  redis: Redis,
  steps: readonly (PlainCommand | ScriptCall)[],
): Promise<unknown[]> {
  const args = (step: PlainCommand | ScriptCall): [string, ...Argument[]] => {
    if (Array.isArray(step)) return step as PlainCommand;
    const { lua, numberOfKeys } = loaded[(step as ScriptCall).script];
    return ['EVAL', lua, numberOfKeys, ...step.keys, ...step.args];
  };
  if (redis.options.enableAutoPipelining) {
    // Auto-pipelining may reorder single commands across callers; a pipelined MULTI keeps
    // the transaction whole at the price of an extra copy of the frame (ioredis
    // concatenates the pipeline into one buffer).
    const pipeline = redis.multi();
    for (const step of steps) pipeline.callBuffer(...args(step));
    const replies = await pipeline.exec();
    if (!replies) throw new Error('queue transaction aborted');
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
  }
  // Not ioredis's pipelined MULTI: it concatenates the whole transaction into one new
  // buffer, a third copy of the frame (measured: 7.3k pushes/s pipelined, see
  // docs/architecture.md). The commands are written one by one in one synchronous run, so
  // nothing else can slip in between MULTI and EXEC on this connection. Corked, they leave
  // in one writev and reach Redis in one read, instead of a system call each on both sides.
  const socket = redis.status === 'ready' ? redis.stream : undefined;
  socket?.cork();
  let executed: Promise<unknown>;
  const queued: Promise<unknown>[] = [];
  try {
    queued.push(redis.call('MULTI'));
    for (const step of steps) queued.push(redis.callBuffer(...args(step)));
    executed = redis.callBuffer('EXEC');
  } finally {
    socket?.uncork();
  }
  // MULTI answers OK and the queued commands QUEUED. A command refused there (NOPERM, bad
  // arguments) makes EXEC fail with EXECABORT; its own error says why, so it is thrown.
  const [replies, ...acks] = await Promise.allSettled([executed, ...queued]);
  for (const ack of acks) if (ack.status === 'rejected') throw ack.reason;
  if (replies.status === 'rejected') throw replies.reason;
  if (!Array.isArray(replies.value)) throw new Error('queue transaction aborted');
  for (const reply of replies.value) if (reply instanceof Error) throw reply;
  return replies.value;
}

/** Runs a script on its own; `buffer` asks for binary replies instead of strings. */
export function runQueueScript(
  redis: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly Argument[],
  buffer = false,
): Promise<unknown> {
  defineQueueScripts(redis);
  const fn = (redis as unknown as Record<string, ScriptFn>)[
    commandName(name) + (buffer ? 'Buffer' : '')
  ]!;
  return fn.call(redis, ...keys, ...args);
}
