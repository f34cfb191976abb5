import sharp from 'sharp';
import type { ModelInputDescription } from '../manifest/model-manifest.js';

/**
 * A real photo as a model input tensor, for fidelity tests of converted graphs: resized to
 * the input size (no letterbox: any real image will do to compare two runtimes), RGB,
 * `(pixel - mean) / std`, in the input's layout.
 */
export async function imageTensor(
  path: string,
  input: Pick<ModelInputDescription, 'shape' | 'layout' | 'mean' | 'std'>,
): Promise<{ data: Float32Array; dims: number[] }> {
  const { shape, layout, mean, std } = input;
  const [height, width] = layout === 'nchw' ? [shape[2]!, shape[3]!] : [shape[1]!, shape[2]!];
  const rgb = await sharp(path)
    .removeAlpha()
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const plane = width * height;
  const data = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const value = (rgb[i * 3 + c]! - mean[c]!) / std[c]!;
      data[layout === 'nchw' ? c * plane + i : i * 3 + c] = value;
    }
  }
  return { data, dims: layout === 'nchw' ? [1, 3, height, width] : [1, height, width, 3] };
}
