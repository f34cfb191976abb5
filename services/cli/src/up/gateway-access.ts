import { randomBytes } from 'node:crypto';

export interface GatewayAccessOptions {
  /** Default 127.0.0.1. */
  host?: string;
  port: number;
  apiToken?: string;
}

export interface GatewayAccess {
  host: string;
  /** Arguments for `ei gateway`. */
  args: string[];
  /** Environment of the gateway process (the token goes here, never in `args`). */
  env: NodeJS.ProcessEnv;
  /** A token `ei up` made up, for the printed dashboard URL. */
  generatedToken?: string;
}

/**
 * How `ei up` opens its gateway. On loopback (the default) it serves without a token, on
 * purpose (`--insecure`), so the quick start is one command and the dashboard opens at a
 * plain URL: only this machine's processes reach it, and websockets accept only pages of
 * the gateway's own URL, so a web page of another site cannot read the results. Bound to
 * any other address it needs a token: the one given, else a random one that the printed
 * URL carries. The token goes to the gateway in its environment, never in its arguments,
 * which every user of the machine can read in /proc.
 */
export function gatewayAccess(options: GatewayAccessOptions): GatewayAccess {
  const host = options.host ?? '127.0.0.1';
  const port = options.port;
  // A token given by the user wins; an EI_GATEWAY_INSECURE of their shell must not add to it.
  if (options.apiToken) {
    return { host, args: [], env: { EI_API_TOKEN: options.apiToken, EI_GATEWAY_INSECURE: '' } };
  }
  if (isLoopback(host)) {
    const origins = [
      `http://localhost:${port}`,
      `http://127.0.0.1:${port}`,
      `http://[::1]:${port}`,
    ];
    return {
      host,
      args: ['--insecure', '--allowed-origins', origins.join(',')],
      env: { EI_API_TOKEN: '' },
    };
  }
  const generatedToken = randomBytes(24).toString('base64url');
  return {
    host,
    args: [],
    env: { EI_API_TOKEN: generatedToken, EI_GATEWAY_INSECURE: '' },
    generatedToken,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
