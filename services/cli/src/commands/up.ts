import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS } from '@ei/core';
import { Option, type Command } from 'commander';
import { CliError } from '../shared/cli-error.js';
import { launch } from '../up/launcher.js';
import { portInUse } from '../up/local-redis.js';
import {
  loadServiceConfig,
  withServiceOptions,
  type ServiceOptions,
} from '../shared/service-options.js';

const DEFAULT_CONFIG = fileURLToPath(new URL('../../defaults/ei.yaml', import.meta.url));

interface UpOptions extends ServiceOptions {
  port: string;
  host: string;
  token?: string;
  /** False with --no-build. */
  build: boolean;
}

export function registerUpCommand(program: Command): void {
  const command = program
    .command('up')
    .description(
      'Start the whole platform on this machine: Redis (when none answers), gateway and dashboard, a producer per configured stream, and workers per inference type scaled by the local autoscaler. Ctrl-C stops everything.',
    )
    .addOption(
      new Option('-p, --port <port>', 'gateway and dashboard HTTP port')
        .default(String(DEFAULT_PORTS.gateway))
        .env('EI_GATEWAY_PORT'),
    )
    .addOption(
      new Option(
        '--host <address>',
        'gateway address: 127.0.0.1 serves this machine only, without a token; any other (0.0.0.0: every interface) needs a token, generated and printed in the URL unless --token gives one',
      ).default('127.0.0.1'),
    )
    .addOption(
      new Option('--token <token>', 'token of the gateway’s API and websockets').env(
        'EI_API_TOKEN',
      ),
    )
    .option('--no-build', 'do not build the dashboard when it is missing (API only)');
  withServiceOptions(command).action(async (options: UpOptions) => {
    const gatewayPort = Number(options.port);
    if (await portInUse(gatewayPort)) {
      throw new CliError(
        `port ${gatewayPort} is already in use (another ei up or gateway on this host?): choose another with --port <port> (or EI_GATEWAY_PORT)`,
      );
    }
    const configFile = resolve(options.config ?? DEFAULT_CONFIG);
    const config = await loadServiceConfig({ ...options, config: configFile });
    // Stream files are relative to the config file, wherever `ei up` runs from.
    for (const stream of config.streams) {
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(stream.source) && !isAbsolute(stream.source)) {
        stream.source = resolve(dirname(configFile), stream.source);
      }
    }
    const launched = await launch({
      config,
      configFile,
      gatewayPort,
      gatewayHost: options.host,
      apiToken: options.token || undefined,
      skipDashboardBuild: !options.build,
    });
    const admin = launched.adminPasswordFile
      ? `\n              (private; admin password in ${launched.adminPasswordFile})`
      : '';
    console.log(
      `\n  Dashboard:  ${launched.dashboardUrl}\n  Redis:      ${launched.redisUrl}${admin}\n  Stop with Ctrl-C.\n`,
    );
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      console.log('stopping every process...');
      launched.stop().then(
        () => process.exit(0),
        (error: Error) => {
          console.error(`ei up: ${error.message}`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
