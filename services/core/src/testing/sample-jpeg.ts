import { readFileSync } from 'node:fs';

/**
 * A real 640x480 JPEG (56 KB, a frame of the pedestrian sample clip): the size of frame
 * the benchmarks and queue tests move around. Read once, shared.
 */
let cached: Buffer | undefined;
export function sampleJpeg(): Buffer {
  cached ??= readFileSync(new URL('../../src/testing/fixtures/frame-640x480.jpg', import.meta.url));
  return cached;
}
