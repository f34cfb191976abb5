import { GATEWAY_DEFAULTS } from '@ei/gateway/defaults';
import { Option, type Command } from 'commander';
import { CliError } from '../shared/cli-error.js';
import { explainPortInUse } from '../shared/explain-errors.js';
import {
  loadServiceConfig,
  withServiceOptions,
  type ServiceOptions,
} from '../shared/service-options.js';

interface GatewayCliOptions extends ServiceOptions {
  port: string;
  host: string;
  metricsPort: string;
  token?: string;
  insecure?: boolean;
  allowedOrigins?: string;
  maxClients: string;
  maxClientsPerIp: string;
  maxBufferedBytes: string;
  maxSubscriptions: string;
  dashboardDir?: string;
}

function whole(value: string, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max)
    throw new CliError(`${option} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

/** EI_GATEWAY_INSECURE: `1`/`true` or `0`/`false`; anything else is a mistake worth saying. */
function insecureFromEnvironment(): boolean {
  const value = process.env.EI_GATEWAY_INSECURE?.trim().toLowerCase();
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new CliError(`EI_GATEWAY_INSECURE must be 1 or 0, got "${value}"`);
}

export function registerGatewayCommand(program: Command): void {
  const d = GATEWAY_DEFAULTS;
  const command = program
    .command('gateway')
    .description(
      'Run the gateway: REST API (/api), websocket relay of live results (/ws, /ws/streams/:id) and the built dashboard on one port, /metrics on the ops port, /healthz and /readyz on both. Needs --token, or --insecure to serve without authentication on purpose.',
    )
    .addOption(
      new Option('-p, --port <port>', 'HTTP port').default(String(d.port)).env('EI_GATEWAY_PORT'),
    )
    .addOption(
      new Option('--host <address>', 'address to listen on (127.0.0.1: this machine only)')
        .default('0.0.0.0')
        .env('EI_GATEWAY_HOST'),
    )
    .addOption(
      new Option('--metrics-port <port>', 'ops port of /metrics, /healthz, /readyz')
        .default(String(d.metricsPort))
        .env('EI_METRICS_PORT'),
    )
    .addOption(
      new Option(
        '--token <token>',
        'require this bearer token on every API call and websocket',
      ).env('EI_API_TOKEN'),
    )
    .addOption(
      new Option(
        '--insecure',
        'serve without a token, on purpose (env EI_GATEWAY_INSECURE=1); websockets then need an allowed Origin',
      ),
    )
    .addOption(
      new Option(
        '--allowed-origins <list>',
        'without a token: comma-separated origins (http://host:port) whose pages may open websockets, * for any (default: the gateway’s own)',
      ).env('EI_GATEWAY_ALLOWED_ORIGINS'),
    )
    .addOption(
      new Option('--max-clients <n>', 'most websocket clients at once')
        .default(String(d.maxWsClients))
        .env('EI_WS_MAX_CLIENTS'),
    )
    .addOption(
      new Option('--max-clients-per-ip <n>', 'most websocket clients at once from one IP address')
        .default(String(d.maxWsClientsPerIp))
        .env('EI_WS_MAX_CLIENTS_PER_IP'),
    )
    .addOption(
      new Option(
        '--max-buffered-bytes <n>',
        'unsent bytes per websocket client before frames and answers to it are skipped',
      )
        .default(String(d.maxWsBufferedBytes))
        .env('EI_WS_MAX_BUFFERED_BYTES'),
    )
    .addOption(
      new Option(
        '--max-subscriptions <n>',
        'stream ids one websocket client may watch ("*" counts as one); more closes it with 1008',
      )
        .default(String(d.maxWsSubscriptions))
        .env('EI_WS_MAX_SUBSCRIPTIONS'),
    )
    .addOption(
      new Option('--dashboard-dir <dir>', 'built dashboard to serve (default dashboard/dist)').env(
        'EI_DASHBOARD_DIR',
      ),
    );
  withServiceOptions(command).action(async (options: GatewayCliOptions) => {
    const config = await loadServiceConfig(options);
    // No Redis check here: the gateway starts without Redis and says so in /readyz, so a
    // liveness probe does not restart it in a loop during an outage (docs/security.md).
    const { startGateway } = await import('@ei/gateway');
    const gateway = await startGateway({
      config,
      port: whole(options.port, '--port', 0, 65535),
      host: options.host,
      metricsPort: whole(options.metricsPort, '--metrics-port', 0, 65535),
      apiToken: options.token || undefined,
      insecure: options.insecure === true || insecureFromEnvironment(),
      allowedOrigins: options.allowedOrigins
        ?.split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
      maxWsClients: whole(options.maxClients, '--max-clients', 1),
      maxWsClientsPerIp: whole(options.maxClientsPerIp, '--max-clients-per-ip', 1),
      maxWsBufferedBytes: whole(options.maxBufferedBytes, '--max-buffered-bytes', 0),
      maxWsSubscriptions: whole(options.maxSubscriptions, '--max-subscriptions', 1),
      dashboardDir: options.dashboardDir,
      handleProcessFaults: true,
    }).catch(explainPortInUse('--port', ' (or EI_GATEWAY_PORT)'));
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
