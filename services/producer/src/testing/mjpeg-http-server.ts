import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { FIXTURE_CLIP } from './fixtures.js';

/**
 * A live HTTP MJPEG camera for tests: each client gets `multipart/x-mixed-replace` from
 * its own real ffmpeg process (mpjpeg muxer) playing the fixture clip in a loop, in real
 * time. `stop()` drops every client at once, like a camera losing power; `start()` on the
 * same port brings it back.
 */
export class MjpegHttpServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly encoders = new Set<ChildProcess>();

  constructor(
    readonly port: number,
    private readonly ffmpegPath = 'ffmpeg',
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/video.mjpg`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      if (request.url !== '/video.mjpg') {
        response.writeHead(404).end();
        return;
      }
      const encoder = spawn(
        this.ffmpegPath,
        [
          ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-stream_loop', '-1'],
          ...['-i', FIXTURE_CLIP, '-vf', 'scale=320:240', '-q:v', '5', '-f', 'mpjpeg', 'pipe:1'],
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      this.encoders.add(encoder);
      encoder.once('exit', () => this.encoders.delete(encoder));
      response.writeHead(200, {
        'content-type': 'multipart/x-mixed-replace;boundary=ffmpeg',
        'cache-control': 'no-cache',
      });
      encoder.stdout.pipe(response);
      response.once('close', () => encoder.kill('SIGKILL'));
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    const exits = [...this.encoders].map(
      (encoder) =>
        new Promise<void>((resolve) => {
          if (encoder.exitCode !== null || encoder.signalCode !== null) return resolve();
          encoder.once('exit', () => resolve());
          encoder.kill('SIGKILL');
        }),
    );
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(exits);
  }
}
