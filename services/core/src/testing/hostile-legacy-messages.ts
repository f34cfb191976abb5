import { encode as msgpack } from '@msgpack/msgpack';

/** Messages a hostile or broken producer can push to `queue_<type>`, and why each is refused. */
export const HOSTILE_LEGACY_MESSAGES: [string, Buffer, RegExp][] = [
  // 4 MiB of one-element arrays, each inside the previous one.
  ['deep arrays', Buffer.alloc(4 * 1024 * 1024, 0x91), /nests deeper than 2/],
  // {a: {a: {a: …}}}: maps of one entry, three bytes a level.
  [
    'deep maps',
    Buffer.from(new Array(100_000).fill([0x81, 0xa1, 0x61]).flat()),
    /nests deeper than 2/,
  ],
  // A map32 header announcing 2^32 - 1 entries.
  ['huge map', Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61, 0xc0]), /map length/],
  [
    'wide map',
    Buffer.from(msgpack(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])))),
    /map length/,
  ],
  [
    'huge array in a field',
    Buffer.from(msgpack({ name: 'cam', data: Array.from({ length: 10_000 }, () => 0) })),
    /array length/,
  ],
  // A str32 that claims 4 GiB.
  [
    'huge string',
    Buffer.from([0x81, 0xa4, 0x6e, 0x61, 0x6d, 0x65, 0xdb, 0xff, 0xff, 0xff, 0xff]),
    /length/,
  ],
];
