/**
 * What the callbacks given to `page.evaluate` use of the page. They run in the browser but
 * are type-checked with the Node projects (no DOM lib), so they reach the page's globals
 * through this shape: `(globalThis as unknown as PageGlobals)`.
 */
export interface PageCanvas {
  width: number;
  height: number;
  getBoundingClientRect(): { top: number; bottom: number };
  getContext(
    kind: '2d',
    options?: { alpha?: boolean },
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

/** `window.eiDiagnostics()` of dashboard/src/main.ts. */
export interface DashboardDiagnostics {
  painted: number;
  openBitmaps: number;
  messages: number;
  decoded: number;
  decodeErrors: number;
  feeds: number;
  paints: number;
  live: string;
}

export interface PageGlobals {
  innerHeight: number;
  document: {
    querySelector(selector: string): PageCanvas | null;
    querySelectorAll(selector: string): Iterable<PageCanvas>;
  };
  eiDiagnostics(): DashboardDiagnostics;
}
