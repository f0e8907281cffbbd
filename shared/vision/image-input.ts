/**
 * The one way routes take an image: `multipart/form-data` (field `image`), a raw `image/*` body, or JSON
 * `{image_base64}` / `{image_s3_key}`. The format is sniffed from magic bytes (the Content-Type header is not
 * trusted), sizes and pixel counts are bounded before decoding, and sharp decodes it.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import Busboy from 'busboy';
import sharp, { type Metadata } from 'sharp';
import { z } from 'zod';
import {
  BadRequestError,
  PayloadTooLargeError,
  RequestValidationError,
  STORAGE_KEY_RULE,
  UnsupportedMediaTypeError,
} from '../errors';
import { headerValue, parseJsonBody } from '../http/json-body';
import { validate } from '../http/validate';
import { type BlobStore, isPlainKey } from '../storage/blob-store';

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
  /** Other text fields that came with the image (multipart fields or JSON properties). */
  readonly fields: Readonly<Record<string, string>>;
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

const JsonImageRequest = z
  .looseObject({
    image_base64: z.string().min(1).optional(),
    image_s3_key: z.string().min(1).max(1024).refine(isPlainKey, STORAGE_KEY_RULE).optional(),
  })
  .refine((r) => (r.image_base64 === undefined) !== (r.image_s3_key === undefined), {
    message: 'send either "image_base64" or "image_s3_key"',
  });

function rawBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'binary');
}

function parseMultipart(
  body: Buffer,
  contentType: string,
  maxBytes: number,
): Promise<{ image?: Buffer; fields: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let image: Buffer | undefined;
    let failed = false;
    const fail = (error: Error) => {
      if (!failed) reject(error);
      failed = true;
    };
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({
        headers: { 'content-type': contentType },
        limits: { fileSize: maxBytes, files: 1, fields: 20 },
      });
    } catch (error) {
      reject(new BadRequestError(`Malformed multipart body: ${(error as Error).message}`));
      return;
    }
    parser.on('file', (name, stream) => {
      const parts: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => parts.push(chunk));
      stream.on('limit', () => fail(new PayloadTooLargeError(`The image is larger than ${maxBytes} bytes`)));
      stream.on('close', () => {
        if (name === 'image') image = Buffer.concat(parts);
      });
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('error', (error: Error) =>
      fail(new BadRequestError(`Malformed multipart body: ${error.message}`)),
    );
    parser.on('close', () => {
      if (!failed) resolve({ ...(image ? { image } : {}), fields });
    });
    parser.end(body);
  });
}

async function imageBytes(
  event: APIGatewayProxyEventV2,
  limits: ImageLimits,
  blobs: BlobStore | undefined,
): Promise<{ bytes: Buffer; fields: Record<string, string> }> {
  const contentType = headerValue(event, 'content-type') ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'multipart/form-data') {
    const body = rawBody(event);
    if (body.length > limits.maxBytes + 64 * 1024)
      throw new PayloadTooLargeError(`The request is larger than ${limits.maxBytes} bytes`);
    const { image, fields } = await parseMultipart(body, contentType, limits.maxBytes);
    if (!image)
      throw new RequestValidationError([
        { path: 'image', message: 'the multipart body has no file field named "image"' },
      ]);
    return { bytes: image, fields };
  }
  if (mediaType.startsWith('image/') || mediaType === 'application/octet-stream') {
    if (!event.isBase64Encoded && event.body?.includes('\uFFFD')) {
      // API Gateway base64-encodes binary bodies; a text body with replacement characters lost its bytes on the way.
      throw new UnsupportedMediaTypeError(
        'the image arrived as text and its bytes were lost on the way: send it as multipart/form-data, or as a raw body through a gateway that base64-encodes binary bodies',
      );
    }
    return { bytes: rawBody(event), fields: {} };
  }
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    const json = validate(
      JsonImageRequest,
      parseJsonBody(event, Math.ceil((limits.maxBytes * 4) / 3) + 64 * 1024),
    );
    const fields = Object.fromEntries(
      Object.entries(json).filter(([k, v]) => typeof v === 'string' && !k.startsWith('image_')),
    ) as Record<string, string>;
    if (json.image_base64 !== undefined) {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(json.image_base64.replace(/\s+/g, ''))) {
        throw new RequestValidationError([{ path: 'image_base64', message: 'is not valid base64' }]);
      }
      return { bytes: Buffer.from(json.image_base64, 'base64'), fields };
    }
    if (!blobs)
      throw new RequestValidationError([{ path: 'image_s3_key', message: 'no image bucket is configured' }]);
    const object = await blobs.get(json.image_s3_key as string);
    if (!object)
      throw new RequestValidationError([{ path: 'image_s3_key', message: `no object ${json.image_s3_key}` }]);
    return { bytes: object.body, fields };
  }
  throw new UnsupportedMediaTypeError(
    `send the image as multipart/form-data (field "image"), an image/* body, or JSON with image_base64 or image_s3_key; got '${mediaType || 'none'}'`,
  );
}

/** Reads, bounds and checks the request's image; the pixels are decoded later, by whoever needs them. */
export async function readImageInput(
  event: APIGatewayProxyEventV2,
  options: { limits?: ImageLimits; blobs?: BlobStore } = {},
): Promise<ImageInput> {
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
  const { bytes, fields } = await imageBytes(event, limits, options.blobs);
  if (bytes.length === 0)
    throw new RequestValidationError([{ path: 'image', message: 'the image is empty' }]);
  if (bytes.length > limits.maxBytes)
    throw new PayloadTooLargeError(`The image is ${bytes.length} bytes; the limit is ${limits.maxBytes}`);
  const format = sniffImageFormat(bytes);
  if (!format) throw new UnsupportedMediaTypeError('The bytes are not a PNG, JPEG, WebP or GIF image');
  let metadata: Metadata;
  try {
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
  return { bytes, format, width, height, fields };
}

/** Decodes to RGB at most `size`×`size` (aspect kept), with the pixel limit enforced by sharp itself. */
export async function decodeRgb(image: ImageInput, limits: ImageLimits, size?: number) {
  const pipeline = sharp(image.bytes, { limitInputPixels: limits.maxPixels, pages: 1 })
    .removeAlpha()
    .toColourspace('srgb');
  const resized = size ? pipeline.resize(size, size, { fit: 'inside', withoutEnlargement: true }) : pipeline;
  const { data, info } = await resized.raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}
