/**
 * @msgpack/msgpack bounds string, binary, array and map lengths but not nesting depth: a
 * message of 8 MiB of `0x91` bytes (an array holding an array holding …) decodes into
 * millions of nested arrays, hundreds of MB of memory. `msgpackNestingDepth` reads only
 * the type headers, skipping payloads without looking at them, and stops as soon as the
 * depth goes past the limit, so the decoder is never handed such a message.
 */

/** Bytes after the type byte before the payload length is known, and how to read it. */
type Head =
  | { kind: 'scalar'; skip: number }
  | { kind: 'sized'; lengthBytes: 1 | 2 | 4; extra: number }
  | { kind: 'container'; count: number; perEntry: 1 | 2 }
  | { kind: 'container-sized'; lengthBytes: 2 | 4; perEntry: 1 | 2 };

function head(type: number): Head | undefined {
  if (type <= 0x7f || type >= 0xe0) return { kind: 'scalar', skip: 0 }; // fixint
  if (type <= 0x8f) return { kind: 'container', count: type & 0x0f, perEntry: 2 }; // fixmap
  if (type <= 0x9f) return { kind: 'container', count: type & 0x0f, perEntry: 1 }; // fixarray
  if (type <= 0xbf) return { kind: 'scalar', skip: type & 0x1f }; // fixstr
  switch (type) {
    case 0xc0: // nil
    case 0xc2: // false
    case 0xc3: // true
      return { kind: 'scalar', skip: 0 };
    case 0xc4: // bin 8
    case 0xd9: // str 8
      return { kind: 'sized', lengthBytes: 1, extra: 0 };
    case 0xc5: // bin 16
    case 0xda: // str 16
      return { kind: 'sized', lengthBytes: 2, extra: 0 };
    case 0xc6: // bin 32
    case 0xdb: // str 32
      return { kind: 'sized', lengthBytes: 4, extra: 0 };
    case 0xc7: // ext 8: length, then the ext type byte
      return { kind: 'sized', lengthBytes: 1, extra: 1 };
    case 0xc8:
      return { kind: 'sized', lengthBytes: 2, extra: 1 };
    case 0xc9:
      return { kind: 'sized', lengthBytes: 4, extra: 1 };
    case 0xcc: // uint 8
    case 0xd0: // int 8
      return { kind: 'scalar', skip: 1 };
    case 0xcd:
    case 0xd1:
      return { kind: 'scalar', skip: 2 };
    case 0xca: // float 32
    case 0xce:
    case 0xd2:
      return { kind: 'scalar', skip: 4 };
    case 0xcb: // float 64
    case 0xcf:
    case 0xd3:
      return { kind: 'scalar', skip: 8 };
    case 0xd4: // fixext 1, 2, 4, 8, 16: type byte + data
      return { kind: 'scalar', skip: 2 };
    case 0xd5:
      return { kind: 'scalar', skip: 3 };
    case 0xd6:
      return { kind: 'scalar', skip: 5 };
    case 0xd7:
      return { kind: 'scalar', skip: 9 };
    case 0xd8:
      return { kind: 'scalar', skip: 17 };
    case 0xdc: // array 16
      return { kind: 'container-sized', lengthBytes: 2, perEntry: 1 };
    case 0xdd:
      return { kind: 'container-sized', lengthBytes: 4, perEntry: 1 };
    case 0xde: // map 16
      return { kind: 'container-sized', lengthBytes: 2, perEntry: 2 };
    case 0xdf:
      return { kind: 'container-sized', lengthBytes: 4, perEntry: 2 };
    default:
      return undefined; // 0xc1: never used
  }
}

function readLength(bytes: Uint8Array, at: number, size: 1 | 2 | 4): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, size);
  return size === 1 ? view.getUint8(0) : size === 2 ? view.getUint16(0) : view.getUint32(0);
}

/**
 * Depth of the first msgpack value in `bytes` (a scalar is 0, `[1]` is 1, `{a: [1]}` is 2),
 * or `Infinity` as soon as it exceeds `maxDepth`. Malformed or truncated input returns the
 * depth reached: the decoder rejects it with its own error.
 */
export function msgpackNestingDepth(bytes: Uint8Array, maxDepth: number): number {
  // Values still to read in each open container, innermost last.
  const open: number[] = [];
  let deepest = 0;
  let at = 0;
  while (at < bytes.length) {
    const type = bytes[at]!;
    const h = head(type);
    if (h === undefined) return deepest;
    at += 1;
    let children = 0;
    if (h.kind === 'scalar') at += h.skip;
    else if (h.kind === 'sized') {
      if (at + h.lengthBytes > bytes.length) return deepest;
      at += h.lengthBytes + h.extra + readLength(bytes, at, h.lengthBytes);
    } else if (h.kind === 'container') children = h.count * h.perEntry;
    else {
      if (at + h.lengthBytes > bytes.length) return deepest;
      children = readLength(bytes, at, h.lengthBytes) * h.perEntry;
      at += h.lengthBytes;
    }
    if (children > 0) {
      open.push(children);
      if (open.length > maxDepth) return Infinity;
      deepest = Math.max(deepest, open.length);
      continue;
    }
    // A value is complete: close every container it completes.
    while (open.length > 0) {
      const left = open.pop()! - 1;
      if (left > 0) {
        open.push(left);
        break;
      }
    }
    if (open.length === 0) return deepest;
  }
  return deepest;
}
