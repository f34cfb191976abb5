import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FRAME_HEADER_BYTES } from './frame-codec.js';
import { FrameDecodeError, FrameEncodeError } from './frame-errors.js';
import type { Frame } from './frame.js';

const jpeg = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  Buffer.alloc(200, 7),
  Buffer.from([0xff, 0xd9]),
]);
const frame: Frame = {
  streamId: 'cam-1',
  type: 'people',
  seq: 42,
  captureTs: 1_700_000_000_123.25,
  width: 640,
  height: 480,
  encoding: 'jpeg',
  data: jpeg,
};

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof FrameDecodeError) return error.reason;
    throw error;
  }
  throw new Error('expected a FrameDecodeError');
}

describe('frame codec', () => {
  it('round-trips every field and keeps the image bytes intact', () => {
    const message = encodeFrame(frame);
    expect(message.length).toBe(
      FRAME_HEADER_BYTES + 'cam-1'.length + 'people'.length + jpeg.length,
    );
    const decoded = decodeFrame(message);
    expect({ ...decoded, data: undefined }).toEqual({ ...frame, data: undefined });
    expect(Buffer.compare(decoded.data, jpeg)).toBe(0);
  });

  it('round-trips the largest sequence number and the longest names', () => {
    const big = {
      ...frame,
      seq: Number.MAX_SAFE_INTEGER,
      streamId: 'x'.repeat(128),
      type: 'y'.repeat(64),
    };
    expect(decodeFrame(encodeFrame(big)).seq).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects truncated, padded, wrong-magic, wrong-version and oversized input with typed errors', () => {
    const message = encodeFrame(frame);
    expect(reasonOf(() => decodeFrame(message.subarray(0, 10)))).toBe('truncated');
    expect(reasonOf(() => decodeFrame(message.subarray(0, message.length - 1)))).toBe('truncated');
    expect(reasonOf(() => decodeFrame(Buffer.concat([message, Buffer.from([0])])))).toBe(
      'bad-length',
    );
    const badMagic = Buffer.from(message);
    badMagic[0] = 0x58;
    expect(reasonOf(() => decodeFrame(badMagic))).toBe('bad-magic');
    const badVersion = Buffer.from(message);
    badVersion[3] = 2;
    expect(reasonOf(() => decodeFrame(badVersion))).toBe('bad-version');
    expect(reasonOf(() => decodeFrame(message, { maxFrameBytes: message.length - 1 }))).toBe(
      'too-large',
    );
    const notJpeg = encodeFrame({ ...frame, data: Buffer.from([0xff, 0xd8, 0xff]) });
    notJpeg[notJpeg.length - 1] = 0;
    expect(reasonOf(() => decodeFrame(notJpeg))).toBe('bad-image');
  });

  it('rejects bad header fields', () => {
    const message = encodeFrame(frame);
    const zeroWidth = Buffer.from(message);
    zeroWidth.writeUInt16BE(0, 24);
    expect(reasonOf(() => decodeFrame(zeroWidth))).toBe('bad-field');
    const nanTs = Buffer.from(message);
    nanTs.writeDoubleBE(Number.NaN, 16);
    expect(reasonOf(() => decodeFrame(nanTs))).toBe('bad-field');
    const badId = Buffer.from(message);
    badId[FRAME_HEADER_BYTES] = 0x20; // space is not allowed in a stream id
    expect(reasonOf(() => decodeFrame(badId))).toBe('bad-field');
  });

  it('refuses to encode frames that break the protocol', () => {
    expect(() => encodeFrame({ ...frame, streamId: 'has space' })).toThrow(FrameEncodeError);
    expect(() => encodeFrame({ ...frame, type: 'People' })).toThrow(FrameEncodeError);
    expect(() => encodeFrame({ ...frame, width: 0 })).toThrow(FrameEncodeError);
    expect(() => encodeFrame({ ...frame, seq: -1 })).toThrow(FrameEncodeError);
    expect(() => encodeFrame(frame, { maxFrameBytes: 100 })).toThrow(/exceeds maxFrameBytes/);
  });

  it('fuzz: any bytes either decode to a valid frame or throw FrameDecodeError (10,000 cases)', () => {
    const valid = encodeFrame(frame);
    const mutated = fc
      .array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      })
      .map((edits) => {
        const copy = Buffer.from(valid);
        for (const [index, value] of edits) copy[index] = value;
        return copy;
      });
    const truncated = fc.nat({ max: valid.length }).map((n) => valid.subarray(0, n));
    const random = fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes));
    const withValidHeader = fc
      .uint8Array({ maxLength: 300 })
      .map((tail) => Buffer.concat([valid.subarray(0, FRAME_HEADER_BYTES), Buffer.from(tail)]));
    let decoded = 0;
    fc.assert(
      fc.property(fc.oneof(mutated, truncated, random, withValidHeader), (bytes) => {
        try {
          const result = decodeFrame(bytes, { maxFrameBytes: 4096 });
          decoded += 1;
          expect(result.data.length).toBeGreaterThan(0);
          expect(result.width).toBeGreaterThan(0);
        } catch (error) {
          if (!(error instanceof FrameDecodeError)) throw error;
        }
      }),
      { numRuns: 10_000 },
    );
    // Some single-byte edits (e.g. inside the image) leave a valid frame: the fuzz reached the success path too.
    expect(decoded).toBeGreaterThan(0);
  });
});
