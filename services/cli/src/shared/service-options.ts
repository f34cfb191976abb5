import { loadConfig, parseConfig, type EiConfig } from '@ei/core';
import { Option, type Command } from 'commander';

/** Options every service command takes: where the config is and which Redis to use. */
export interface ServiceOptions {
  config?: string;
  redis?: string;
  password?: string;
}

/** Adds --config, --redis and --password (with their environment fallbacks) to a command. */
export function withServiceOptions(command: Command): Command {
  return command
    .addOption(
      new Option('-c, --config <file>', 'YAML configuration file (see docs/configuration.md)').env(
        'EI_CONFIG',
      ),
    )
    .addOption(new Option('--redis <url>', 'Redis URL, overrides the config (env REDIS_URL)'))
    .addOption(new Option('--password <password>', 'Redis AUTH password (env REDIS_PASSWORD)'));
}

/** Loads the configuration with the command line applied on top of file and environment. */
export async function loadServiceConfig(options: ServiceOptions): Promise<EiConfig> {
  const config = options.config ? await loadConfig({ file: options.config }) : parseConfig({});
  if (options.redis) config.redis.url = options.redis;
  if (options.password) config.redis.password = options.password;
  return config;
}
