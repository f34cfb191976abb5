import { connect } from 'node:net';
import { waitFor } from '@ei/core/testing';
import { WebSocket, type ClientOptions } from 'ws';

/**
 * Clients of a running gateway for its tests: a websocket that keeps what it receives,
 * an upgrade that is refused, a raw exchange on a TCP socket (for requests no HTTP client
 * would send), and one value of /metrics.
 */

export interface OpenSocket {
  ws: WebSocket;
  /** Text messages, parsed. */
  texts: unknown[];
  binaries: Buffer[];
  /** Resolves with the close code and reason when the connection ends. */
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a websocket and waits for the gateway's hello. */
export async function openSocket(url: string, options: ClientOptions = {}): Promise<OpenSocket> {
  const ws = new WebSocket(url, options);
  const texts: unknown[] = [];
  const binaries: Buffer[] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) binaries.push(data);
    else texts.push(JSON.parse(data.toString()));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await waitFor('the hello', () => texts.length > 0, 15_000, 10);
  return { ws, texts, binaries, closed };
}

/** Opens a websocket the gateway refuses: the HTTP status and the JSON body it answered. */
export function refusedUpgrade(
  url: string,
  options: ClientOptions = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => {
      ws.close();
      reject(new Error(`${url} was accepted`));
    });
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) });
        } catch (error) {
          reject(error as Error);
        }
      });
    });
  });
}

/**
 * Writes `request` on a fresh TCP connection and resolves with everything the server
 * sent until it closed the connection (or `timeoutMs` passed: then what came so far).
 */
export function rawExchange(
  port: number,
  request: string | Buffer,
  timeoutMs = 5000,
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', done);
    socket.on('close', done);
    socket.write(request);
  });
}

/** Status and parsed JSON body of a raw HTTP response; body undefined when it is not JSON. */
export function parseRawResponse(raw: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
  const text = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  try {
    return { status, body: JSON.parse(text) };
  } catch {
    return { status, body: undefined };
  }
}

/** The value of one series of a Prometheus text page (0 when absent). */
export async function metricValue(
  metricsUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((pair) => l.includes(pair)));
  return line ? Number(line.split(' ').pop()) : 0;
}
