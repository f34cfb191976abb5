import { onBeforeUnmount, onMounted, type Ref } from 'vue';
import type { Dashboard } from '../state/dashboard';
import { watchElement } from './element-watch';
import { FramePainter } from './frame-painter';

/**
 * Attaches a FramePainter for `streamId` to a component's canvas for the component's
 * life. The painter is a plain object on purpose: Vue must not proxy it or its bitmaps.
 */
export function useFramePainter(
  canvas: Readonly<Ref<HTMLCanvasElement | null>>,
  streamId: string,
  dashboard: Pick<Dashboard, 'live' | 'scheduler'>,
): { painter: () => FramePainter | undefined } {
  let painter: FramePainter | undefined;
  let unwatch: (() => void) | undefined;
  onMounted(() => {
    const element = canvas.value;
    if (!element) return;
    painter = new FramePainter({
      canvas: element,
      feed: dashboard.live.feed(streamId),
      scheduler: dashboard.scheduler,
    });
    const attached = painter;
    unwatch = watchElement(element, {
      onVisible: (visible) => attached.setVisible(visible),
      onWidth: (width) => attached.setCssWidth(width),
    });
  });
  onBeforeUnmount(() => {
    unwatch?.();
    painter?.dispose();
    painter = undefined;
  });
  return { painter: () => painter };
}
