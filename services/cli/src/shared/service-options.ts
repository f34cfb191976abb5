import { loadConfig, parseConfig, type EiConfig } from '@ei/core';
import { Option, type Command } from 'commander';
import { CliError } from './cli-error.js';

/** Options every service command takes: where the config is and which Redis to use. */
export interface ServiceOptions {
  config?: string;
  redis?: string;
  redisUser?: string;
  passwordFile?: string;
  /** Refused: see loadServiceConfig. */
  password?: string;
}

/**
 * Adds --config, --redis, --redis-user and --password-file (with their environment
 * fallbacks) to a command. No option takes the password itself: a command line is
 * visible to every user of the machine (`ps`); it comes from a file or REDIS_PASSWORD.
 */
export function withServiceOptions(command: Command): Command {
  return command
    .addOption(
      new Option('-c, --config <file>', 'YAML configuration file (see docs/configuration.md)').env(
        'EI_CONFIG',
      ),
    )
    .addOption(new Option('--redis <url>', 'Redis URL, overrides the config (env REDIS_URL)'))
    .addOption(
      new Option(
        '--redis-user <name>',
        'Redis ACL user: producer, worker, gateway or admin (env REDIS_USERNAME)',
      ),
    )
    .addOption(
      new Option(
        '--password-file <file>',
        'file whose first line is the Redis password (env REDIS_PASSWORD_FILE; or put the password in REDIS_PASSWORD)',
      ),
    )
    .addOption(new Option('--password <password>').hideHelp());
}

/** Loads the configuration with the command line applied on top of file and environment. */
export async function loadServiceConfig(options: ServiceOptions): Promise<EiConfig> {
  if (options.password !== undefined) {
    throw new CliError(
      '--password is not accepted: every user of the machine can read a command line (ps). Put the password in a file (--password-file, REDIS_PASSWORD_FILE) or in REDIS_PASSWORD',
      2,
    );
  }
  if (
    options.redis !== undefined &&
    URL.canParse(options.redis) &&
    new URL(options.redis).password
  ) {
    throw new CliError(
      '--redis carries a password, which every user of the machine can read on a command line (ps). Give the URL without it and the password in a file (--password-file) or REDIS_PASSWORD, or the whole URL in REDIS_URL',
      2,
    );
  }
  const config = options.config ? await loadConfig({ file: options.config }) : parseConfig({});
  if (options.redis) config.redis.url = options.redis;
  if (options.redisUser) config.redis.username = options.redisUser;
  if (options.passwordFile) config.redis.passwordFile = options.passwordFile;
  return config;
}
