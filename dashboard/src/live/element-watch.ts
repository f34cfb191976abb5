export interface ElementWatch {
  onVisible?: (visible: boolean) => void;
  onWidth?: (width: number) => void;
}

const watches = new Map<Element, ElementWatch>();
let intersections: IntersectionObserver | undefined;
let sizes: ResizeObserver | undefined;

/**
 * Tells an element's painter whether it is near the viewport and how wide it is. One
 * IntersectionObserver and one ResizeObserver serve every tile, instead of one each.
 * Where the browser lacks them (tests), the element counts as visible.
 */
export function watchElement(element: Element, watch: ElementWatch): () => void {
  watches.set(element, watch);
  if (typeof IntersectionObserver !== 'undefined') {
    intersections ??= new IntersectionObserver(
      (entries) => {
        for (const entry of entries) watches.get(entry.target)?.onVisible?.(entry.isIntersecting);
      },
      // Start decoding a little before a tile scrolls in, so it never shows an old frame.
      { rootMargin: '200px' },
    );
    intersections.observe(element);
  }
  if (typeof ResizeObserver !== 'undefined') {
    sizes ??= new ResizeObserver((entries) => {
      for (const entry of entries) watches.get(entry.target)?.onWidth?.(entry.contentRect.width);
    });
    sizes.observe(element);
  }
  return () => {
    intersections?.unobserve(element);
    sizes?.unobserve(element);
    watches.delete(element);
  };
}
