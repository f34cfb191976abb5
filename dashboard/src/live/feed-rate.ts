import type { StreamFeed } from './stream-feed';

/**
 * Results per second of a feed as of `now`: undefined before the live worker's first
 * summary of it, 0 once the stream has been silent for 3 s (the worker stops reporting a
 * stream the page no longer receives, e.g. while the detail view watches another one).
 */
export function feedRate(feed: StreamFeed, now: number): number | undefined {
  const summary = feed.summary;
  if (!summary) return undefined;
  return now - summary.lastReceivedAt < 3000 ? summary.fps : 0;
}
