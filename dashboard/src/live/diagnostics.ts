/**
 * Page-side counters the benchmark and the end-to-end test read through
 * `window.eiDiagnostics()` (main.ts), beside the live worker's own counters: they show
 * that frames are dropped before decoding and that no bitmap is leaked, which the page
 * itself cannot show.
 */
export const diagnostics = {
  /** Decoded frames drawn onto a canvas. */
  painted: 0,
  /** Bitmaps received from the live worker and not yet closed. */
  openBitmaps: 0,
};
