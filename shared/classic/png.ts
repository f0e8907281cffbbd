import sharp from 'sharp';

/**
 * Images of a [N, C, H, W] tensor with values in [-1, 1] (C = 1 or 3), each as PNG bytes. sharp writes the
 * same bytes for the same pixels, so a seed that gives the same tensor gives the same files.
 */
export async function tensorToPngs(
  data: Float32Array,
  dims: readonly [number, number, number, number],
): Promise<Buffer[]> {
  const [count, channels, height, width] = dims;
  const plane = height * width;
  return Promise.all(
    Array.from({ length: count }, (_, n) => {
      const pixels = Buffer.alloc(plane * channels);
      for (let c = 0; c < channels; c++) {
        for (let p = 0; p < plane; p++) {
          const value = data[n * channels * plane + c * plane + p] as number;
          pixels[p * channels + c] = Math.round((Math.min(1, Math.max(-1, value)) + 1) * 127.5);
        }
      }
      return sharp(pixels, { raw: { width, height, channels: channels as 1 | 3 } })
        .toColourspace(channels === 1 ? 'b-w' : 'srgb')
        .png({ compressionLevel: 9 })
        .toBuffer();
    }),
  );
}
