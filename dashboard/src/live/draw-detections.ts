import type { Detection } from '@ei/core/browser';
import { classColour } from './class-colour';

/**
 * Draws boxes with label and score over a frame already drawn at (0, 0, width, height).
 * Boxes are normalised (0..1). Line and text sizes follow the device pixel ratio, so
 * labels are the same size on screen on a tile and on the detail view, and grow a little
 * on large views. Returns the number of boxes drawn.
 */
export function drawDetections(
  context: CanvasRenderingContext2D,
  detections: readonly Detection[],
  width: number,
  height: number,
  pixelRatio = 1,
): number {
  const cssSize = Math.min(width, height) / pixelRatio;
  const unit = pixelRatio * Math.min(1.4, Math.max(1, cssSize / 400));
  const fontPx = Math.round(11 * unit);
  context.lineWidth = Math.max(1.5, 2 * unit);
  context.font = `600 ${fontPx}px system-ui, sans-serif`;
  context.textBaseline = 'top';
  let drawn = 0;
  for (const detection of detections) {
    const [x1, y1, x2, y2] = detection.box;
    const x = clamp(x1) * width;
    const y = clamp(y1) * height;
    const w = clamp(x2) * width - x;
    const h = clamp(y2) * height - y;
    if (!(w > 0 && h > 0)) continue;
    const colour = classColour(detection.label);
    context.strokeStyle = colour;
    context.strokeRect(x, y, w, h);
    const text = `${detection.label} ${Math.round(detection.score * 100)}%`;
    const pad = Math.round(2 * unit);
    const textWidth = context.measureText(text).width + 2 * pad;
    const labelHeight = fontPx + 2 * pad;
    // Above the box when there is room, inside it otherwise.
    const labelY = y - labelHeight >= 0 ? y - labelHeight : y;
    context.fillStyle = colour;
    context.fillRect(x, labelY, textWidth, labelHeight);
    context.fillStyle = '#000';
    context.fillText(text, x + pad, labelY + pad);
    drawn++;
  }
  return drawn;
}

function clamp(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
