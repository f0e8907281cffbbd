/**
 * An image's bytes made safe to decode: the format is sniffed from magic bytes (a Content-Type header is
 * not trusted), sizes and pixel counts are bounded before decoding, and sharp decodes it. How the bytes
 * arrived (a form, a raw body, base64, an S3 key) is the HTTP layer's business: shared/http/image-upload.ts.
 */
import type { Metadata } from 'sharp';

/** sharp (libvips) loads with the first image read, never with the function: most of a cold start is not an image. */
const loadSharp = async () => (await import('sharp')).default;

import { PayloadTooLargeError, RequestValidationError, UnsupportedMediaTypeError } from '../errors';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

export interface ImageLimits {
  /** Largest encoded image, in bytes (413 above). */
  readonly maxBytes: number;
  /** Largest width × height (413 above): a small file can decode to a huge bitmap. */
  readonly maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 5 * 1024 * 1024, maxPixels: 25_000_000 };

export interface ImageInput {
  readonly bytes: Buffer;
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

/** The format named by the file's first bytes, or undefined for anything that is not PNG, JPEG, WebP or GIF. */
export function sniffImageFormat(bytes: Buffer): ImageFormat | undefined {
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    bytes.length >= 12 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  )
    return 'webp';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) return 'gif';
  return undefined;
}

/** Bounds and checks an image's bytes; the pixels are decoded later, by whoever needs them. */
export async function checkImage(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<ImageInput> {
  if (bytes.length === 0)
    throw new RequestValidationError([{ path: 'image', message: 'the image is empty' }]);
  if (bytes.length > limits.maxBytes)
    throw new PayloadTooLargeError(`The image is ${bytes.length} bytes; the limit is ${limits.maxBytes}`);
  const format = sniffImageFormat(bytes);
  if (!format) throw new UnsupportedMediaTypeError('The bytes are not a PNG, JPEG, WebP or GIF image');
  let metadata: Metadata;
  try {
    const sharp = await loadSharp();
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new RequestValidationError([
      { path: 'image', message: `the ${format} image cannot be read: ${(error as Error).message}` },
    ]);
  }
  const width = metadata.width ?? 0;
  const height = (metadata.pageHeight ?? metadata.height) || 0;
  if (width * height > limits.maxPixels) {
    throw new PayloadTooLargeError(
      `The image is ${width}×${height} pixels; the limit is ${limits.maxPixels} pixels`,
    );
  }
  return { bytes, format, width, height };
}

/** The error of an image whose header reads well (`validateImage`) but whose pixels do not: truncated or corrupt. */
export const undecodable = (image: ImageInput, error: unknown): RequestValidationError =>
  new RequestValidationError([
    { path: 'image', message: `the ${image.format} image cannot be decoded: ${(error as Error).message}` },
  ]);

/** Decodes to RGB at most `size`×`size` (aspect kept), with the pixel limit enforced by sharp itself. */
export async function decodeRgb(image: ImageInput, limits: ImageLimits, size?: number) {
  const sharp = await loadSharp();
  const pipeline = sharp(image.bytes, { limitInputPixels: limits.maxPixels, pages: 1 })
    .removeAlpha()
    .toColourspace('srgb');
  const resized = size ? pipeline.resize(size, size, { fit: 'inside', withoutEnlargement: true }) : pipeline;
  let decoded: { data: Buffer; info: { width: number; height: number } };
  try {
    decoded = await resized.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw undecodable(image, error);
  }
  const { data, info } = decoded;
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}
