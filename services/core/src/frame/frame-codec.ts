import { FrameDecodeError, FrameEncodeError } from './frame-errors.js';
import { STREAM_ID_PATTERN, TYPE_PATTERN, type Frame, type FrameEncoding } from './frame.js';

/**
 * Binary frame envelope, version 1. All integers big-endian.
 *
 *   off  size  field
 *     0     3  magic "EIF"
 *     3     1  version (1)
 *     4     1  encoding (1 = jpeg)
 *     5     1  stream id length S (1..128)
 *     6     1  type length T (1..64)
 *     7     1  flags (0; reserved)
 *     8     8  sequence number (u64, at most 2^53 - 1)
 *    16     8  capture timestamp, ms since epoch (f64)
 *    24     2  width (u16)
 *    26     2  height (u16)
 *    28     4  payload length P (u32)
 *    32     S  stream id (ASCII)
 *  32+S     T  type (ASCII)
 * 32+S+T    P  payload (the encoded image, untouched)
 *
 * The header is fixed-size and the image is appended as-is, so encoding costs one copy
 * and decoding none: `Frame.data` is a view into the message buffer.
 */
export const FRAME_MAGIC = Buffer.from('EIF', 'ascii');
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 32;
/** Default limit on a whole frame message: 8 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

const ENCODING_CODES: Record<FrameEncoding, number> = { jpeg: 1 };
const ENCODING_BY_CODE = new Map<number, FrameEncoding>([[1, 'jpeg']]);

export interface FrameCodecOptions {
  /** Largest message accepted or produced, header included. Default 8 MiB. */
  maxFrameBytes?: number;
}

export function encodeFrame(frame: Frame, options: FrameCodecOptions = {}): Buffer {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!STREAM_ID_PATTERN.test(frame.streamId)) {
    throw new FrameEncodeError(
      `stream id ${JSON.stringify(frame.streamId)} must match ${STREAM_ID_PATTERN}`,
    );
  }
  if (!TYPE_PATTERN.test(frame.type)) {
    throw new FrameEncodeError(`type ${JSON.stringify(frame.type)} must match ${TYPE_PATTERN}`);
  }
  if (!Number.isSafeInteger(frame.seq) || frame.seq < 0) {
    throw new FrameEncodeError(`seq must be a non-negative safe integer, got ${frame.seq}`);
  }
  if (!Number.isFinite(frame.captureTs) || frame.captureTs < 0) {
    throw new FrameEncodeError(
      `captureTs must be a finite non-negative number, got ${frame.captureTs}`,
    );
  }
  for (const [name, value] of [
    ['width', frame.width],
    ['height', frame.height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 0xffff) {
      throw new FrameEncodeError(`${name} must be an integer in 1..65535, got ${value}`);
    }
  }
  const encodingCode = ENCODING_CODES[frame.encoding];
  if (encodingCode === undefined) {
    throw new FrameEncodeError(`unknown encoding ${JSON.stringify(frame.encoding)}`);
  }
  const streamLength = frame.streamId.length;
  const typeLength = frame.type.length;
  const total = FRAME_HEADER_BYTES + streamLength + typeLength + frame.data.length;
  if (frame.data.length === 0) throw new FrameEncodeError('frame data is empty');
  if (total > maxFrameBytes) {
    throw new FrameEncodeError(
      `frame of ${total} bytes exceeds maxFrameBytes ${maxFrameBytes} (lower the resolution or raise maxFrameBytes)`,
    );
  }

  const out = Buffer.allocUnsafe(total);
  FRAME_MAGIC.copy(out, 0);
  out.writeUInt8(FRAME_VERSION, 3);
  out.writeUInt8(encodingCode, 4);
  out.writeUInt8(streamLength, 5);
  out.writeUInt8(typeLength, 6);
  out.writeUInt8(0, 7);
  out.writeBigUInt64BE(BigInt(frame.seq), 8);
  out.writeDoubleBE(frame.captureTs, 16);
  out.writeUInt16BE(frame.width, 24);
  out.writeUInt16BE(frame.height, 26);
  out.writeUInt32BE(frame.data.length, 28);
  out.write(frame.streamId, FRAME_HEADER_BYTES, 'ascii');
  out.write(frame.type, FRAME_HEADER_BYTES + streamLength, 'ascii');
  frame.data.copy(out, FRAME_HEADER_BYTES + streamLength + typeLength);
  return out;
}

/**
 * Validates and decodes a frame message. Throws `FrameDecodeError` and nothing else,
 * whatever the bytes are. The returned `data` shares memory with `message`.
 */
export function decodeFrame(message: Buffer, options: FrameCodecOptions = {}): Frame {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (message.length > maxFrameBytes) {
    throw new FrameDecodeError(
      'too-large',
      `message of ${message.length} bytes exceeds maxFrameBytes ${maxFrameBytes}`,
    );
  }
  if (message.length < FRAME_HEADER_BYTES) {
    throw new FrameDecodeError(
      'truncated',
      `message of ${message.length} bytes is shorter than the ${FRAME_HEADER_BYTES}-byte header`,
    );
  }
  if (
    message[0] !== FRAME_MAGIC[0] ||
    message[1] !== FRAME_MAGIC[1] ||
    message[2] !== FRAME_MAGIC[2]
  ) {
    throw new FrameDecodeError('bad-magic', 'message does not start with the frame magic "EIF"');
  }
  const version = message.readUInt8(3);
  if (version !== FRAME_VERSION) {
    throw new FrameDecodeError(
      'bad-version',
      `frame version ${version} is not supported (this build reads ${FRAME_VERSION})`,
    );
  }
  const encoding = ENCODING_BY_CODE.get(message.readUInt8(4));
  if (encoding === undefined) {
    throw new FrameDecodeError('bad-field', `unknown encoding code ${message.readUInt8(4)}`);
  }
  const streamLength = message.readUInt8(5);
  const typeLength = message.readUInt8(6);
  if (message.readUInt8(7) !== 0)
    throw new FrameDecodeError('bad-field', 'reserved flags byte is not 0');
  const seqBig = message.readBigUInt64BE(8);
  if (seqBig > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FrameDecodeError('bad-field', `seq ${seqBig} exceeds 2^53 - 1`);
  }
  const captureTs = message.readDoubleBE(16);
  if (!Number.isFinite(captureTs) || captureTs < 0) {
    throw new FrameDecodeError(
      'bad-field',
      `capture timestamp ${captureTs} is not a finite non-negative number`,
    );
  }
  const width = message.readUInt16BE(24);
  const height = message.readUInt16BE(26);
  if (width === 0 || height === 0)
    throw new FrameDecodeError('bad-field', `frame size ${width}x${height} is empty`);
  const payloadLength = message.readUInt32BE(28);
  const expected = FRAME_HEADER_BYTES + streamLength + typeLength + payloadLength;
  if (expected !== message.length) {
    throw new FrameDecodeError(
      expected > message.length ? 'truncated' : 'bad-length',
      `header announces ${expected} bytes, message has ${message.length}`,
    );
  }
  const streamId = message.toString(
    'latin1',
    FRAME_HEADER_BYTES,
    FRAME_HEADER_BYTES + streamLength,
  );
  if (!STREAM_ID_PATTERN.test(streamId)) {
    throw new FrameDecodeError(
      'bad-field',
      `stream id ${JSON.stringify(streamId)} must match ${STREAM_ID_PATTERN}`,
    );
  }
  const typeStart = FRAME_HEADER_BYTES + streamLength;
  const type = message.toString('latin1', typeStart, typeStart + typeLength);
  if (!TYPE_PATTERN.test(type)) {
    throw new FrameDecodeError(
      'bad-field',
      `type ${JSON.stringify(type)} must match ${TYPE_PATTERN}`,
    );
  }
  const data = message.subarray(typeStart + typeLength);
  if (encoding === 'jpeg' && !isJpeg(data)) {
    throw new FrameDecodeError('bad-image', 'payload does not start with a JPEG SOI marker');
  }
  return { streamId, type, seq: Number(seqBig), captureTs, width, height, encoding, data };
}

/** Cheap check of the JPEG start-of-image marker; full validation happens when a worker decodes. */
export function isJpeg(data: Buffer): boolean {
  return data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff;
}
