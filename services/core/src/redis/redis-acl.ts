import { createHash, randomBytes } from 'node:crypto';

/**
 * The Redis users of the platform and what each may do: the one source of the ACL file
 * that `ei up` gives its private redis-server and that Kubernetes mounts from a Secret
 * (`ei redis-acl`). Each component connects as its own user, so a camera's credential on
 * the frame-queue NodePort can push frames and nothing more.
 *
 * Every grant becomes one ACL selector `(+commands %R~keys &channels)`: Redis allows a
 * command when one selector allows both the command and all of its keys, so commands and
 * key patterns never combine across grants (SET may write a frame slot; nothing may read
 * one but the worker). Lua scripts run with the caller's rights: the keys a script
 * declares must pass for EVAL (read and write, as Redis cannot know what the script does)
 * and every command the script calls is checked like a command of its own. A component
 * that starts using a new command adds it here; redis-acl.test.ts runs each component's
 * real code as its user, so a missing grant fails there. Needs Redis 7.0 or newer
 * (selectors, `%R~`/`%W~`).
 */

export const REDIS_USERS = ['producer', 'worker', 'gateway', 'admin'] as const;
export type RedisUser = (typeof REDIS_USERS)[number];

/** Oldest Redis that understands the ACL file (selectors and read/write key rights). */
export const ACL_MIN_REDIS_VERSION = '7.0.0';

/** `R`: commands that return the key's data; `W`: commands that change it; `RW`: both. */
export type KeyAccess = 'R' | 'W' | 'RW';

export interface AclGrant {
  /** What the component does with it; listed in docs/security.md. */
  purpose: string;
  /** Command names in lower case, `command|subcommand` for one subcommand. */
  commands: readonly string[];
  keys?: readonly { pattern: string; access: KeyAccess }[];
  /** Pub/sub channel patterns. */
  channels?: readonly string[];
}

/** What each user may do, with key patterns under `keyPrefix` (`redis.keyPrefix`). */
export function aclGrants(user: RedisUser, keyPrefix: string): readonly AclGrant[] {
  const q = (suffix: string) => `${keyPrefix}q:*:${suffix}`;
  const keys = (access: KeyAccess, ...patterns: string[]) =>
    patterns.map((pattern) => ({ pattern, access }));
  // The reference demo's producers push to `queue_<type>`, without the prefix.
  const legacy = 'queue_*';
  const scripts: AclGrant = {
    purpose: 'run the queue scripts (EVAL/EVALSHA declare their keys read-write)',
    commands: ['eval', 'evalsha'],
    keys: keys('RW', `${keyPrefix}q:*`, legacy),
  };
  // StreamRegistry.announce and WorkerRegistry.report: a hash with a TTL and an index.
  const heartbeat = (what: string, hashes: string, index: string): AclGrant[] => [
    {
      purpose: `announce ${what} with a heartbeat; remove it on exit`,
      commands: ['hset', 'hsetnx', 'pexpire', 'del'],
      keys: keys('W', hashes),
    },
    { purpose: `index ${what}`, commands: ['zadd', 'zrem'], keys: keys('W', index) },
  ];
  const readStats: AclGrant[] = [
    {
      purpose: 'read queue counters and depths (getStats script)',
      commands: ['hgetall'],
      keys: keys('R', q('stats')),
    },
    {
      purpose: 'read queue depths (getStats script)',
      commands: ['zcard', 'llen'],
      keys: keys('R', q('pending-streams'), q('fifo'), q('lossless'), q('ready'), legacy),
    },
  ];
  // admitLatest and pruneQueue date waiting frames by Redis's clock (orphans).
  const clock: AclGrant = {
    purpose:
      'read Redis’s clock to date a waiting `latest` frame (admitLatest, pruneQueue scripts)',
    commands: ['time'],
  };
  switch (user) {
    case 'producer':
      return [
        {
          purpose:
            'store a frame in its stream slot (`latest`); raise the waiting flag (`lossless`)',
          commands: ['set'],
          keys: keys('W', q('slot:*'), q('waiting')),
        },
        {
          purpose:
            'append a frame (`fifo`, `lossless`, legacy `queue_<type>`); announce a stream id (`latest`)',
          commands: ['rpush'],
          keys: keys('W', q('fifo'), q('lossless'), q('ready'), legacy),
        },
        { ...scripts, keys: keys('RW', `${keyPrefix}q:*`) },
        {
          purpose: 'pushes as one transaction; connection name and health check',
          commands: ['multi', 'exec', 'discard', 'ping', 'client|setname'],
        },
        {
          purpose: 'count pushes and drops (admit scripts)',
          commands: ['hincrby'],
          keys: keys('RW', q('stats')),
        },
        {
          purpose:
            'track streams with a frame waiting; drop a refused frame or an orphan (admitLatest script)',
          commands: ['zadd', 'zrem', 'zcard', 'del'],
          keys: keys('W', q('pending-streams'), q('slot:*')),
        },
        {
          purpose: 'find orphans when a new stream finds the queue full (admitLatest script)',
          commands: ['zrangebyscore'],
          keys: keys('R', q('pending-streams')),
        },
        {
          purpose: 'put back a stream id a worker lost (admitLatest script)',
          commands: ['lpos'],
          keys: keys('R', q('ready')),
        },
        {
          purpose: 'remove a dropped orphan’s stream id from the ready list (admitLatest script)',
          commands: ['lrem'],
          keys: keys('W', q('ready')),
        },
        clock,
        {
          purpose: 'bound the frame lists (admitFifo, admitLossless scripts)',
          commands: ['llen', 'ltrim'],
          keys: keys('W', q('fifo'), q('lossless')),
        },
        {
          // The script reads the dropped frame's stream id to count the drop against it,
          // and runs with the producer's rights: the one read a producer holds on frames.
          purpose: 'drop the oldest frame of a full `fifo` queue (admitFifo script)',
          commands: ['lpop'],
          keys: keys('RW', q('fifo')),
        },
        {
          purpose: 'wait for space in a full `lossless` queue',
          commands: ['blpop'],
          keys: keys('RW', q('space')),
        },
        ...heartbeat('its streams', `${keyPrefix}stream:*`, `${keyPrefix}streams`),
      ];
    case 'worker':
      return [
        {
          purpose: 'block for frames on every structure of its type',
          commands: ['blpop'],
          keys: keys('RW', q('ready'), q('fifo'), q('lossless'), legacy),
        },
        scripts,
        {
          purpose:
            'take the newest frame of a stream and mark the stream taken (ZREM + GETDEL in one transaction)',
          commands: ['getdel', 'zrem'],
          keys: keys('RW', q('slot:*'), q('pending-streams')),
        },
        {
          purpose: 'find orphans and streams with a frame waiting (pruneQueue script)',
          commands: ['zrangebyscore', 'zscore'],
          keys: keys('R', q('pending-streams')),
        },
        {
          purpose: 'drop an orphan’s frame and its stale stream ids (pruneQueue script)',
          commands: ['del', 'lrem'],
          keys: keys('W', q('slot:*'), q('ready')),
        },
        {
          purpose:
            'count dropped orphans; fold the counters of streams gone from the registry (pruneQueue script)',
          commands: ['hscan', 'hincrby', 'hdel'],
          keys: keys('RW', q('stats')),
        },
        {
          purpose: 'tell streams gone from the registry from live ones (pruneQueue script)',
          commands: ['exists'],
          keys: keys('R', `${keyPrefix}stream:*`),
        },
        clock,
        {
          purpose: 'wake producers waiting on a full `lossless` queue (signalSpace script)',
          commands: ['exists'],
          keys: keys('R', q('waiting')),
        },
        {
          purpose: 'hand out wake-up tokens (signalSpace script)',
          commands: ['rpush', 'ltrim'],
          keys: keys('W', q('space')),
        },
        ...readStats,
        {
          purpose: 'publish live results (with the JPEG) per stream',
          commands: ['publish'],
          channels: [`${keyPrefix}results:live:*`],
        },
        {
          purpose: 'append compact results to the capped results stream',
          commands: ['xadd'],
          keys: keys('W', `${keyPrefix}results:log`),
        },
        {
          purpose: 'check that a frame’s stream is announced',
          commands: ['hgetall'],
          keys: keys('R', `${keyPrefix}stream:*`),
        },
        ...heartbeat('its status', `${keyPrefix}worker:*`, `${keyPrefix}workers:*`),
        {
          purpose: 'count the live workers of its type',
          commands: ['zcount'],
          keys: keys('R', `${keyPrefix}workers:*`),
        },
        {
          purpose:
            'status reports as one transaction; end its own blocking wait on shutdown; connection name and health check',
          commands: [
            'multi',
            'exec',
            'discard',
            'ping',
            'client|setname',
            'client|id',
            'client|unblock',
          ],
        },
      ];
    case 'gateway':
      return [
        {
          purpose: 'relay live results',
          commands: ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'],
          channels: [`${keyPrefix}results:live:*`],
        },
        {
          purpose: 'read recent results and platform events',
          commands: ['xrevrange'],
          keys: keys('R', `${keyPrefix}results:log`, `${keyPrefix}events`),
        },
        {
          purpose: 'list streams and workers',
          commands: ['zrange', 'zcount', 'hgetall'],
          keys: keys(
            'R',
            `${keyPrefix}streams`,
            `${keyPrefix}stream:*`,
            `${keyPrefix}workers:*`,
            `${keyPrefix}worker:*`,
          ),
        },
        {
          purpose: 'prune expired entries from the stream and worker indexes',
          commands: ['zremrangebyscore'],
          keys: keys('W', `${keyPrefix}streams`, `${keyPrefix}workers:*`),
        },
        scripts,
        ...readStats,
        {
          purpose: 'connection name and health check',
          commands: ['ping', 'client|setname'],
        },
      ];
    case 'admin':
      return [
        {
          purpose: 'operators: everything (ACL LOAD after a rotation, inspection, `ei up`)',
          commands: ['@all'],
          keys: keys('RW', '*'),
          channels: ['*'],
        },
      ];
  }
}

/** One grant as an ACL selector: `(+cmd ... %R~pattern ... &channel ...)`. */
function selector(grant: AclGrant): string {
  const parts = grant.commands.map((command) => `+${command}`);
  for (const { pattern, access } of grant.keys ?? [])
    parts.push(access === 'RW' ? `~${pattern}` : `%${access}~${pattern}`);
  for (const channel of grant.channels ?? []) parts.push(`&${channel}`);
  return `(${parts.join(' ')})`;
}

/** SHA-256 of a password as Redis stores it (`#<hex>`), so no ACL file holds a password. */
export function passwordHash(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/** A random password (32 URL-safe characters): safe in YAML, URLs and shells. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * One user's line of the ACL file. Several hashes let a user hold an old and a new
 * password while a rotation rolls out.
 */
export function aclUserLine(
  user: RedisUser,
  keyPrefix: string,
  passwordHashes: readonly string[],
): string {
  if (passwordHashes.length === 0) throw new RangeError(`no password for Redis user ${user}`);
  const passwords = passwordHashes.map((hash) => `#${hash}`);
  return [
    'user',
    user,
    'reset',
    'on',
    ...passwords,
    ...aclGrants(user, keyPrefix).map(selector),
  ].join(' ');
}

export interface AclFileOptions {
  keyPrefix: string;
  /** Passwords per user; the first is the current one, the others still accepted. */
  passwords: Record<RedisUser, readonly string[]>;
}

/**
 * The ACL file (`aclfile` of redis-server): the `default` user switched off, so every
 * client must authenticate as one of the platform's users. Redis ACL files have no comments.
 */
export function renderAclFile(options: AclFileOptions): string {
  const lines = ['user default reset'];
  for (const user of REDIS_USERS) {
    lines.push(aclUserLine(user, options.keyPrefix, options.passwords[user].map(passwordHash)));
  }
  return lines.join('\n') + '\n';
}
