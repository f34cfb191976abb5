import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../src/testing/rtsp-server.py', import.meta.url));

/**
 * A real RTSP server (GStreamer's gst-rtsp-server, see rtsp-server.py) serving a live
 * 320x240 15 fps MJPEG test pattern at `url`. Needs the Debian packages listed in
 * .ci/packages.txt. `stop()` kills it; `start()` brings it back on the same port.
 */
export class RtspTestServer {
  private child: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `rtsp://127.0.0.1:${this.port}/cam`;
  }

  async start(): Promise<void> {
    const child = spawn('/usr/bin/python3', [SCRIPT, String(this.port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('ready')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) =>
        reject(
          new Error(
            `RTSP test server exited (${code}); install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good:\n${output}`,
          ),
        ),
      );
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
