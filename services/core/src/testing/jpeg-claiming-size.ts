/**
 * A copy of a real JPEG whose frame header (SOF) claims another size: what a hostile
 * producer sends to make a worker decode a 20000x20000 image from a few kilobytes. The
 * entropy-coded data is left as it is, so a decoder that trusted the header would fail
 * (or allocate) only after it started.
 */
export function jpegClaimingSize(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  let at = 2; // after SOI
  while (at + 9 < copy.length) {
    if (copy[at] !== 0xff) throw new Error('not a JPEG marker sequence');
    const marker = copy[at + 1]!;
    const length = copy.readUInt16BE(at + 2);
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      copy.writeUInt16BE(height, at + 5);
      copy.writeUInt16BE(width, at + 7);
      return copy;
    }
    at += 2 + length;
  }
  throw new Error('no frame header (SOF) found');
}
