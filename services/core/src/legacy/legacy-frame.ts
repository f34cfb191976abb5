import { decode } from '@msgpack/msgpack';
import { FrameDecodeError } from '../frame/frame-errors.js';
import { isJpeg } from '../frame/frame-codec.js';
import { STREAM_ID_PATTERN, type Frame } from '../frame/frame.js';
import { msgpackNestingDepth } from './msgpack-nesting.js';

/**
 * A legacy message is a flat map of a few fields. Anything deeper or wider is hostile or
 * broken: unbounded, a message of 8 MiB of nested one-element arrays took 7.8 s and 1.4 GB
 * to decode.
 */
export const LEGACY_LIMITS = { maxDepth: 2, maxEntries: 16 } as const;

/**
 * Frames pushed by producers of the reference demo: a msgpack map `{name, category, data}`
 * on the Redis list `queue_<category>`. They carry no sequence number, timestamp or size,
 * so the consumer supplies them; width and height stay 0 (unknown) until the image is
 * decoded.
 */
export function decodeLegacyFrame(
  message: Buffer,
  expectedType: string,
  nextSeq: number,
  maxFrameBytes: number,
): Frame {
  if (message.length > maxFrameBytes) {
    throw new FrameDecodeError(
      'too-large',
      `legacy message of ${message.length} bytes exceeds maxFrameBytes ${maxFrameBytes}`,
    );
  }
  if (msgpackNestingDepth(message, LEGACY_LIMITS.maxDepth) > LEGACY_LIMITS.maxDepth) {
    throw new FrameDecodeError(
      'bad-field',
      `legacy message nests deeper than ${LEGACY_LIMITS.maxDepth} levels`,
    );
  }
  let value: unknown;
  try {
    value = decode(message, {
      // Python 2 era producers send the JPEG as a msgpack str, not bin.
      rawStrings: true,
      maxMapLength: LEGACY_LIMITS.maxEntries,
      maxArrayLength: LEGACY_LIMITS.maxEntries,
      maxStrLength: maxFrameBytes,
      maxBinLength: maxFrameBytes,
      maxExtLength: 0,
    });
  } catch (error) {
    throw new FrameDecodeError(
      'bad-field',
      `legacy message is not valid msgpack: ${(error as Error).message}`,
    );
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    value instanceof Uint8Array
  ) {
    throw new FrameDecodeError('bad-field', 'legacy message is not a msgpack map');
  }
  const map = value as Record<string, unknown>;
  const name = asText(map.name);
  const category = asText(map.category);
  const data = map.data;
  if (name === undefined || !STREAM_ID_PATTERN.test(name)) {
    throw new FrameDecodeError(
      'bad-field',
      `legacy "name" must be a stream id matching ${STREAM_ID_PATTERN}`,
    );
  }
  if (category !== undefined && category !== expectedType) {
    throw new FrameDecodeError(
      'bad-field',
      `legacy "category" ${JSON.stringify(category)} does not match queue type "${expectedType}"`,
    );
  }
  if (!(data instanceof Uint8Array) || data.length === 0) {
    throw new FrameDecodeError('bad-field', 'legacy "data" must hold the JPEG bytes');
  }
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!isJpeg(bytes)) throw new FrameDecodeError('bad-image', 'legacy "data" is not a JPEG');
  return {
    streamId: name,
    type: expectedType,
    seq: nextSeq,
    captureTs: Date.now(),
    width: 0,
    height: 0,
    encoding: 'jpeg',
    data: bytes,
  };
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return undefined;
}
