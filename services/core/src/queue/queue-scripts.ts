import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * The queue's Lua scripts, read from ./lua (named `verbNoun-<numKeys>.lua`). They are
 * registered under versioned command names: a change to a script bumps SCRIPTS_VERSION, so
 * workers of two releases sharing one Redis during a rolling update never mix them up.
 * ioredis runs them with EVALSHA and re-sends the source after a Redis restart (NOSCRIPT).
 */
export const SCRIPTS_VERSION = 1;

export type ScriptName = 'pushLatest' | 'takeLatest' | 'pushFifo' | 'pushLossless' | 'signalSpace' | 'getStats';

const SCRIPT_FILES: Record<ScriptName, string> = {
  pushLatest: 'pushLatest-4.lua',
  takeLatest: 'takeLatest-2.lua',
  pushFifo: 'pushFifo-2.lua',
  pushLossless: 'pushLossless-3.lua',
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

const commandName = (name: ScriptName): string => `ei${name[0]!.toUpperCase()}${name.slice(1)}V${SCRIPTS_VERSION}`;

type ScriptFn = (...args: (string | Buffer | number)[]) => Promise<unknown>;

/** Registers the scripts on a connection once; safe to call again. */
export function defineQueueScripts(redis: Redis): void {
  for (const name of Object.keys(loaded) as ScriptName[]) {
    const command = commandName(name);
    if (command in redis) continue;
    redis.defineCommand(command, loaded[name]);
  }
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
  const fn = (redis as unknown as Record<string, ScriptFn>)[commandName(name) + (buffer ? 'Buffer' : '')]!;
  return fn.call(redis, ...keys, ...args);
}
