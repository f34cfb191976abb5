import { Option, type Command } from 'commander';
import { CliError } from '../shared/cli-error.js';
import {
  loadServiceConfig,
  withServiceOptions,
  type ServiceOptions,
} from '../shared/service-options.js';

interface GatewayCliOptions extends ServiceOptions {
  port: string;
  token?: string;
  maxClients: string;
  maxBufferedBytes: string;
  dashboardDir?: string;
}

function positiveInteger(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(`${option} must be a whole number, got ${value}`);
  return n;
}

export function registerGatewayCommand(program: Command): void {
  const command = program
    .command('gateway')
    .description(
      'Run the gateway: REST API (/api), websocket relay of live results (/ws, /ws/streams/:id), the built dashboard, and /metrics, /healthz, /readyz on one port.',
    )
    .addOption(new Option('-p, --port <port>', 'HTTP port').default('8080').env('EI_GATEWAY_PORT'))
    .addOption(
      new Option(
        '--token <token>',
        'require this bearer token on every API call and websocket',
      ).env('EI_API_TOKEN'),
    )
    .addOption(
      new Option('--max-clients <n>', 'most websocket clients at once')
        .default('500')
        .env('EI_WS_MAX_CLIENTS'),
    )
    .addOption(
      new Option(
        '--max-buffered-bytes <n>',
        'unsent bytes per websocket client before it skips frames',
      )
        .default(String(2 * 1024 * 1024))
        .env('EI_WS_MAX_BUFFERED_BYTES'),
    )
    .addOption(
      new Option('--dashboard-dir <dir>', 'built dashboard to serve (default dashboard/dist)').env(
        'EI_DASHBOARD_DIR',
      ),
    );
  withServiceOptions(command).action(async (options: GatewayCliOptions) => {
    const config = await loadServiceConfig(options);
    const { startGateway } = await import('@ei/gateway');
    const gateway = await startGateway({
      config,
      port: positiveInteger(options.port, '--port'),
      apiToken: options.token || undefined,
      maxWsClients: positiveInteger(options.maxClients, '--max-clients'),
      maxWsBufferedBytes: positiveInteger(options.maxBufferedBytes, '--max-buffered-bytes'),
      dashboardDir: options.dashboardDir,
    });
    const stop = (): void => {
      gateway.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
