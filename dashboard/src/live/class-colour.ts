const cache = new Map<string, string>();

/**
 * A colour per class label, the same on every tile, view and reload: a hue from a hash of
 * the label (FNV-1a), spread by the golden angle so similar labels still differ.
 */
export function classColour(label: string): string {
  let colour = cache.get(label);
  if (colour === undefined) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < label.length; i++) {
      hash ^= label.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    const hue = Math.round(((hash >>> 0) * 137.508) % 360);
    colour = `hsl(${hue} 90% 55%)`;
    cache.set(label, colour);
  }
  return colour;
}
