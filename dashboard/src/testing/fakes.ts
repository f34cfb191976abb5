/** Test doubles for the dashboard's tests: results, a websocket, an API, a canvas. */
import { encodeResultMessage, type Detection, type InferenceResult } from '@ei/core/browser';
import type { ApiClient } from '../api/api-client';
import { UnauthorizedError } from '../api/api-client';
import type { PlatformEvent, StreamView, TypeView } from '../api/api-types';
import type { SocketLike } from '../live/live-connection';

export function result(
  streamId: string,
  seq: number,
  overrides: Partial<InferenceResult> = {},
): InferenceResult {
  const now = Date.now();
  return {
    streamId,
    type: 'people',
    seq,
    captureTs: now - 40,
    dequeuedTs: now - 35,
    publishedTs: now - 2,
    width: 640,
    height: 480,
    detections: [person(0.9, [0.1, 0.2, 0.3, 0.6])],
    timings: { queueWaitMs: 5, preprocessMs: 8, inferenceMs: 20, postprocessMs: 1 },
    model: { name: 'nanodet', version: '3.0.4-ei1', sha256: 'ab'.repeat(32) },
    workerId: 'w-people-1',
    ...overrides,
  };
}

export function person(score: number, box: Detection['box']): Detection {
  return { label: 'person', classId: 0, score, box };
}

/** A live result message as the gateway sends it (EIR, binary). */
export function resultMessage(r: InferenceResult): ArrayBuffer {
  const bytes = encodeResultMessage(r, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function stream(id: string, overrides: Partial<StreamView> = {}): StreamView {
  return {
    id,
    type: 'people',
    source: 'rtsp://u:***@cam/x',
    state: 'live',
    host: 'edge-1',
    width: 640,
    height: 480,
    fps: 15,
    frames: 1200,
    reconnects: 0,
    firstSeen: Date.now() - 60_000,
    lastSeen: Date.now() - 1000,
    queue: { pushed: 1190, dropped: 10 },
    ...overrides,
  };
}

export function typeView(name: string, overrides: Partial<TypeView> = {}): TypeView {
  return {
    name,
    model: 'nanodet',
    policy: 'latest',
    cap: 64,
    workers: [
      {
        id: `w-${name}-1`,
        host: 'node-a',
        state: 'ready',
        inferFps: 19.5,
        dropFps: 4.5,
        scaleRatio: 1.23,
        inferenceMs: 48.2,
      },
    ],
    inferFps: 19.5,
    dropFps: 4.5,
    scaleRatio: 1.23,
    queueDepth: 3,
    pushed: 5000,
    dropped: 900,
    ...overrides,
  };
}

/** A websocket the test drives: it records what the client sends and answers on command. */
export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  binaryType: BinaryType = 'blob';
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  readonly sent: unknown[] = [];
  closed = false;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  static latest(): FakeSocket {
    const socket = FakeSocket.all.at(-1);
    if (!socket) throw new Error('no socket was opened');
    return socket;
  }

  /** The server accepts and says hello, as the gateway does. */
  accept(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
    this.receive(JSON.stringify({ type: 'hello', streams: [] }));
  }

  receive(data: string | ArrayBuffer): void {
    this.onmessage?.({ data } as MessageEvent);
  }

  /** The server or the network ends the connection. */
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 } as CloseEvent);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
}

/** An API whose answers the test sets; a token other than `validToken` gets a 401. */
export class FakeApi implements ApiClient {
  streamList: StreamView[] = [];
  typeList: TypeView[] = [];
  eventList: PlatformEvent[] = [];
  validToken: string | undefined;
  calls = 0;
  down = false;

  constructor(private readonly token: () => string | undefined = () => undefined) {}

  private check(): void {
    this.calls++;
    if (this.down) throw new Error('gateway unreachable: connection refused');
    if (this.validToken !== undefined && this.token() !== this.validToken) {
      throw new UnauthorizedError('the gateway wants a valid token');
    }
  }

  async streams(): Promise<StreamView[]> {
    this.check();
    return this.streamList;
  }

  async stream(id: string): Promise<StreamView | undefined> {
    this.check();
    return this.streamList.find((s) => s.id === id);
  }

  async types(): Promise<TypeView[]> {
    this.check();
    return this.typeList;
  }

  async events(): Promise<PlatformEvent[]> {
    this.check();
    return this.eventList;
  }
}

/** A 2D context that records what was drawn. */
export function recordingContext(): CanvasRenderingContext2D & { calls: string[] } {
  const calls: string[] = [];
  const record =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push(`${name}(${args.filter((a) => typeof a !== 'object').join(',')})`);
    };
  return {
    calls,
    drawImage: record('drawImage'),
    strokeRect: record('strokeRect'),
    fillRect: record('fillRect'),
    fillText: record('fillText'),
    measureText: (text: string) => ({ width: text.length * 6 }),
  } as unknown as CanvasRenderingContext2D & { calls: string[] };
}

/** A canvas element stand-in with a recording context. */
export function fakeCanvas(cssWidth = 320): HTMLCanvasElement & {
  context: ReturnType<typeof recordingContext>;
} {
  const context = recordingContext();
  return {
    width: 300,
    height: 150,
    clientWidth: cssWidth,
    style: {} as CSSStyleDeclaration,
    dataset: {} as DOMStringMap,
    context,
    getContext: () => context,
  } as unknown as HTMLCanvasElement & { context: ReturnType<typeof recordingContext> };
}

/** A bitmap stand-in that knows whether it was closed. */
export function fakeBitmap(width: number, height: number): ImageBitmap & { closed: boolean } {
  const bitmap = {
    width,
    height,
    closed: false,
    close() {
      bitmap.closed = true;
    },
  };
  return bitmap;
}
