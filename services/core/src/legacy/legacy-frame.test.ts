import { encode as msgpack } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecodeError } from '../frame/frame-errors.js';
import { decodeLegacyFrame } from './legacy-frame.js';
import { msgpackNestingDepth } from './msgpack-nesting.js';
import { HOSTILE_LEGACY_MESSAGES } from '../testing/hostile-legacy-messages.js';

const MAX_FRAME_BYTES = 8 * 1024 * 1024;

function depthOf(value: unknown): number {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.length === 0 ? 0 : 1 + Math.max(...children.map(depthOf));
}

describe('msgpackNestingDepth', () => {
  it('agrees with the decoded value’s depth for any msgpack value', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.uint8Array({ maxLength: 8 }),
        (value, bytes) => {
          const withBinary = { value, bytes, nested: [[bytes]] };
          const encoded = msgpack(withBinary);
          expect(msgpackNestingDepth(encoded, 100)).toBe(depthOf(withBinary));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('stops reading once the limit is passed', () => {
    expect(msgpackNestingDepth(Buffer.alloc(1_000_000, 0x91), 2)).toBe(Infinity);
    expect(msgpackNestingDepth(msgpack({ a: [1, { b: 2 }] }), 2)).toBe(Infinity);
    expect(msgpackNestingDepth(msgpack({ a: [1, 2] }), 2)).toBe(2);
  });
});

describe('decodeLegacyFrame on hostile input', () => {
  it.each(HOSTILE_LEGACY_MESSAGES)(
    'refuses %s with a FrameDecodeError',
    (_what, message, reason) => {
      let caught: unknown;
      try {
        decodeLegacyFrame(message, 'people', 0, MAX_FRAME_BYTES);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(FrameDecodeError);
      expect((caught as Error).message).toMatch(reason);
    },
  );
});
