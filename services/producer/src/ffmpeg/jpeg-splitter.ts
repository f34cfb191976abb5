import { Transform, type TransformCallback } from 'node:stream';

/** One complete JPEG image cut out of an MJPEG byte stream, with its size from the SOF marker. */
export interface JpegImage {
  /** The image bytes exactly as ffmpeg wrote them, SOI to EOI. */
  data: Buffer;
  width: number;
  height: number;
  /** When the image was complete, ms since the epoch (fractions included). */
  receivedAt: number;
}

export interface JpegSplitterOptions {
  /**
   * An image still open after this many bytes is discarded (a corrupt stream must not
   * grow the buffer without bound). Default 16 MiB.
   */
  maxImageBytes?: number;
}

type ParseState = 'seek-soi' | 'segments' | 'entropy';

const MARKER = 0xff;
const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

/**
 * Splits a concatenation of JPEG images (ffmpeg `-f image2pipe -c:v mjpeg`) into single
 * images without decoding or re-encoding them.
 *
 * It walks the marker segments by their length fields instead of searching for the bytes
 * FF D9, because those bytes may legally appear inside a segment (an EXIF thumbnail is a
 * whole JPEG with its own EOI). Inside entropy-coded data a 0xFF is always followed by a
 * stuffed 0x00 or a restart marker, so the first other marker there ends the scan. Any
 * marker may straddle two chunks: the parser keeps the unfinished image and resumes where
 * it stopped.
 */
export class JpegSplitter extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  /** Offset of the current image's SOI in `buffer`. */
  private start = 0;
  /** Next offset to examine in `buffer`. */
  private pos = 0;
  private state: ParseState = 'seek-soi';
  private width = 0;
  private height = 0;
  private readonly maxImageBytes: number;
  /** Bytes thrown away: garbage between images and oversized images. */
  discardedBytes = 0;

  constructor(options: JpegSplitterOptions = {}) {
    super({ readableObjectMode: true, readableHighWaterMark: 2 });
    this.maxImageBytes = options.maxImageBytes ?? 16 * 1024 * 1024;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.buffer.length === this.start) {
      // Nothing pending: parse the chunk in place, no copy.
      this.pos -= this.start;
      this.buffer = chunk;
    } else {
      this.buffer = Buffer.concat([this.buffer.subarray(this.start), chunk]);
      this.pos -= this.start;
    }
    this.start = 0;
    this.parse();
    if (this.buffer.length - this.start > this.maxImageBytes) {
      this.discardedBytes += this.buffer.length - this.start;
      this.reset();
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // An image cut off by the end of the stream is incomplete: never emit it.
    this.discardedBytes += this.buffer.length - this.start;
    this.reset();
    callback();
  }

  private reset(): void {
    this.buffer = Buffer.alloc(0);
    this.start = 0;
    this.pos = 0;
    this.state = 'seek-soi';
  }

  private parse(): void {
    const buf = this.buffer;
    for (;;) {
      if (this.state === 'seek-soi') {
        const at = findSoi(buf, this.pos);
        if (at < 0) {
          // Keep a trailing 0xFF: it may be the first half of the next SOI.
          const keep = buf.length > 0 && buf[buf.length - 1] === MARKER ? 1 : 0;
          this.discardedBytes += buf.length - keep - this.start;
          this.start = this.pos = buf.length - keep;
          return;
        }
        this.discardedBytes += at - this.start;
        this.start = at;
        this.pos = at + 2;
        this.width = this.height = 0;
        this.state = 'segments';
        continue;
      }

      if (this.state === 'entropy') {
        const at = buf.indexOf(MARKER, this.pos);
        if (at < 0 || at + 1 >= buf.length) {
          this.pos = at < 0 ? buf.length : at;
          return;
        }
        const next = buf[at + 1]!;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
          this.pos = at + 2; // stuffed byte or restart marker: still scan data
        } else if (next === MARKER) {
          this.pos = at + 1; // fill byte before a marker
        } else {
          this.pos = at;
          this.state = 'segments';
        }
        continue;
      }

      // state 'segments': at a marker; fill bytes (0xFF) may precede its code.
      while (this.pos < buf.length && buf[this.pos] === MARKER && buf[this.pos + 1] === MARKER)
        this.pos += 1;
      if (this.pos + 1 >= buf.length) return;
      if (buf[this.pos] !== MARKER) {
        // Not a marker where one must be: the image is corrupt; look for the next one.
        this.discardedBytes += this.pos - this.start;
        this.start = this.pos;
        this.state = 'seek-soi';
        continue;
      }
      const code = buf[this.pos + 1]!;
      if (code === EOI) {
        const end = this.pos + 2;
        if (this.width > 0 && this.height > 0) {
          const image: JpegImage = {
            data: buf.subarray(this.start, end),
            width: this.width,
            height: this.height,
            receivedAt: performance.timeOrigin + performance.now(),
          };
          this.push(image);
        } else {
          this.discardedBytes += end - this.start;
        }
        this.start = this.pos = end;
        this.state = 'seek-soi';
        continue;
      }
      if (code === SOI) {
        // A new image began before the previous one ended: drop the unfinished one.
        this.discardedBytes += this.pos - this.start;
        this.state = 'seek-soi';
        continue;
      }
      if ((code >= 0xd0 && code <= 0xd7) || code === 0x01) {
        this.pos += 2; // markers without a length field
        continue;
      }
      if (this.pos + 4 > buf.length) return;
      const length = buf.readUInt16BE(this.pos + 2);
      if (isStartOfFrame(code)) {
        if (this.pos + 9 > buf.length) return;
        this.height = buf.readUInt16BE(this.pos + 5);
        this.width = buf.readUInt16BE(this.pos + 7);
      }
      this.pos += 2 + length;
      if (code === SOS) this.state = 'entropy';
      if (this.pos > buf.length) {
        // The segment continues in the next chunk; resume right after it. A scan's data
        // can only start after its header, so `entropy` resumes correctly too.
        return;
      }
    }
  }
}

/** SOF0..SOF15 carry the image size; C4 (DHT), C8 (JPG) and CC (DAC) share the range. */
function isStartOfFrame(code: number): boolean {
  return code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc;
}

function findSoi(buf: Buffer, from: number): number {
  let at = buf.indexOf(MARKER, from);
  while (at >= 0 && at + 1 < buf.length) {
    if (buf[at + 1] === SOI) return at;
    at = buf.indexOf(MARKER, at + 1);
  }
  return -1;
}
