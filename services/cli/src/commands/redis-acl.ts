import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  generatePassword,
  loadConfig,
  parseConfig,
  REDIS_USERS,
  renderAclFile,
  type RedisUser,
} from '@ei/core';
import { Option, type Command } from 'commander';
import { CliError } from '../shared/cli-error.js';

interface RedisAclOptions {
  config?: string;
  keyPrefix?: string;
  secretsDir: string;
  out?: string;
}

const HELP_AFTER = `
The folder holds one file per user (${REDIS_USERS.join(', ')}) with its password; a missing
file is created with a random password (readable by you only). Several lines in a file are
several passwords, all accepted: put the new one first while a rotation rolls out, then
remove the old one (docs/security.md). The ACL file holds SHA-256 hashes, no password.

Examples:
  ei redis-acl --secrets-dir ~/.ei/redis-users > users.acl
  ei redis-acl --secrets-dir secrets --key-prefix site1: --out users.acl`;

/** `ei redis-acl`: the ACL file of the platform's Redis users, for a key prefix. */
export function registerRedisAclCommand(program: Command): Command {
  return program
    .command('redis-acl')
    .description(
      "Write the Redis ACL file: a user per component (producer, worker, gateway) and an admin, with key patterns under the config's redis.keyPrefix; the default user off.",
    )
    .addOption(
      new Option('-c, --config <file>', 'YAML configuration file, for redis.keyPrefix').env(
        'EI_CONFIG',
      ),
    )
    .addOption(new Option('--key-prefix <prefix>', 'key prefix, overrides the config'))
    .requiredOption('--secrets-dir <dir>', 'folder of the password files, one per user')
    .option('-o, --out <file>', 'write the ACL file here (readable by you only) instead of stdout')
    .addHelpText('after', HELP_AFTER)
    .action(async (options: RedisAclOptions) => {
      const config = options.config ? await loadConfig({ file: options.config }) : parseConfig({});
      const keyPrefix = options.keyPrefix ?? config.redis.keyPrefix;
      if (!/^[A-Za-z0-9_.:-]{0,64}$/.test(keyPrefix)) {
        throw new CliError(
          `--key-prefix ${keyPrefix}: letters, digits, "_", ".", ":" or "-", at most 64`,
          2,
        );
      }
      const passwords = {} as Record<RedisUser, string[]>;
      await mkdir(options.secretsDir, { recursive: true, mode: 0o700 });
      for (const user of REDIS_USERS) {
        passwords[user] = await readOrCreatePasswords(join(options.secretsDir, user));
      }
      const acl = renderAclFile({ keyPrefix, passwords });
      if (options.out) await writeFile(options.out, acl, { mode: 0o600 });
      else process.stdout.write(acl);
    });
}

async function readOrCreatePasswords(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const password = generatePassword();
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return [password];
  }
  const passwords = text.split(/\r?\n/).filter((line) => line !== '');
  if (passwords.length === 0) throw new CliError(`${file} holds no password`);
  for (const password of passwords) {
    // They guard a network port (the frame queue's NodePort): no short ones.
    if (!/^[\x21-\x7e]{16,}$/.test(password)) {
      throw new CliError(
        `${file}: a password must be at least 16 printable characters without spaces`,
      );
    }
  }
  return passwords;
}
