import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { sampleJpeg } from '@ei/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_CLIP } from '../testing/fixtures.js';
import { JpegSplitter, type JpegImage } from './jpeg-splitter.js';

/** Real JPEGs from ffmpeg's mjpeg encoder: the exact byte stream the producer splits. */
function ffmpegJpegs(width: number, frames: number): Buffer {
  return execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-i', FIXTURE_CLIP, '-frames:v', String(frames)],
    ...['-vf', `scale=${width}:-2`, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '5', 'pipe:1'],
  ]);
}

/** Cuts a byte stream of whole JPEGs at their EOI markers, trusting that no segment holds FF D9. */
function naiveSplit(stream: Buffer): Buffer[] {
  const images: Buffer[] = [];
  let start = 0;
  for (
    let at = stream.indexOf('ffd9', 0, 'hex');
    at >= 0;
    at = stream.indexOf('ffd9', at + 2, 'hex')
  ) {
    images.push(stream.subarray(start, at + 2));
    start = at + 2;
  }
  return images;
}

/** A JPEG carrying an EXIF-like APP1 segment that holds a whole thumbnail JPEG (with its own EOI). */
function withThumbnail(jpeg: Buffer, thumbnail: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), thumbnail]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

async function split(stream: Buffer, chunkSizes: (index: number) => number): Promise<JpegImage[]> {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < stream.length; i++) {
    const size = Math.max(1, chunkSizes(i));
    chunks.push(stream.subarray(offset, offset + size));
    offset += size;
  }
  const images: JpegImage[] = [];
  for await (const image of Readable.from(chunks).pipe(new JpegSplitter()))
    images.push(image as JpegImage);
  return images;
}

/** Deterministic pseudo-random chunk sizes (so a failure can be replayed). */
function seeded(seed: number, max: number): (index: number) => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return 1 + (state % max);
  };
}

describe('JpegSplitter', () => {
  let small: Buffer[];
  let large: Buffer;
  let thumbnail: Buffer;

  beforeAll(() => {
    small = naiveSplit(ffmpegJpegs(320, 5));
    thumbnail = naiveSplit(ffmpegJpegs(32, 1))[0]!;
    large = sampleJpeg();
  });

  it('returns each image byte for byte with its size from the SOF marker, whatever the chunking', async () => {
    expect(small).toHaveLength(5);
    const images = [...small, large, withThumbnail(small[0]!, thumbnail), small[4]!];
    const stream = Buffer.concat(images);
    const chunkings: [string, (index: number) => number][] = [
      ['1 byte', () => 1],
      ['2 bytes', () => 2],
      ['3 bytes', () => 3],
      ['7 bytes', () => 7],
      ['64 KiB', () => 65_536],
      ['whole', () => stream.length],
      ['random small', seeded(1, 40)],
      ['random large', seeded(2, 20_000)],
    ];
    for (const [name, sizes] of chunkings) {
      const out = await split(stream, sizes);
      expect(out.length, name).toBe(images.length);
      out.forEach((image, i) => {
        expect(image.data.equals(images[i]!), `${name}: image ${i}`).toBe(true);
      });
      expect(out.map((image) => `${image.width}x${image.height}`)).toEqual([
        ...Array<string>(5).fill('320x240'),
        '640x480',
        '320x240',
        '320x240',
      ]);
    }
  });

  it('does not end an image at the EOI of a thumbnail inside it', async () => {
    const image = withThumbnail(large, thumbnail);
    const out = await split(Buffer.concat([image, small[1]!]), seeded(3, 5000));
    expect(out).toHaveLength(2);
    expect(out[0]!.data.equals(image)).toBe(true);
    expect([out[0]!.width, out[0]!.height]).toEqual([640, 480]);
  });

  it('skips garbage between images and never emits a truncated last image', async () => {
    const garbage = Buffer.from([0x00, 0xff, 0x12, 0xff, 0xff, 0xd9, 0x42]);
    const truncated = small[2]!.subarray(0, small[2]!.length - 100);
    const splitter = new JpegSplitter();
    const out: JpegImage[] = [];
    const stream = Buffer.concat([garbage, small[0]!, garbage, small[1]!, truncated]);
    for await (const image of Readable.from([stream]).pipe(splitter)) out.push(image as JpegImage);
    expect(out.map((image) => image.data.length)).toEqual([small[0]!.length, small[1]!.length]);
    expect(splitter.discardedBytes).toBe(2 * garbage.length + truncated.length);
  });

  it('drops an image that grows past maxImageBytes instead of buffering without bound', async () => {
    expect(Math.max(...small.map((image) => image.length))).toBeLessThan(20_000);
    expect(large.length).toBeGreaterThan(20_000);
    const splitter = new JpegSplitter({ maxImageBytes: 20_000 });
    const stream = Buffer.concat([small[0]!, large, small[1]!]);
    const chunks = Array.from({ length: Math.ceil(stream.length / 1024) }, (_, i) =>
      stream.subarray(i * 1024, (i + 1) * 1024),
    );
    const out: JpegImage[] = [];
    for await (const image of Readable.from(chunks).pipe(splitter)) out.push(image as JpegImage);
    expect(out.map((image) => image.data.length)).toEqual([small[0]!.length, small[1]!.length]);
    expect(splitter.discardedBytes).toBe(large.length);
  });
});
