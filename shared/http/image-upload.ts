/**
 * The one way routes take an image from a request: `multipart/form-data` (field `image`), a raw `image/*`
 * body, or JSON `{image_base64}` / `{image_s3_key}`, with the request's other fields beside it. This is
 * where the API Gateway event is read; what it yields (bytes, fields) goes to shared/vision, which checks the
 * image and never sees a request.
 *
 * A field may come in the query string or in the body (a form field or a JSON property), not both: given
 * twice, the request is refused with 422, rather than one copy silently winning.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import Busboy from 'busboy';
import {
  BadRequestError,
  PayloadTooLargeError,
  RequestValidationError,
  STORAGE_KEY_RULE,
  UnsupportedMediaTypeError,
} from '../errors';
import * as z from '../schema';
import { type BlobStore, isPlainKey } from '../storage/blob-store';
import { checkImage, DEFAULT_IMAGE_LIMITS, type ImageInput, type ImageLimits } from '../vision/image-input';
import { headerValue, parseJsonBody } from './json-body';
import { validate } from './validate';

/** The image of a request, checked, and its other fields (query parameters and body fields, merged). */
export interface ImageRequest {
  readonly image: ImageInput;
  /** Strings from the query string and forms; JSON values as sent. The route's schema validates them. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Room for a multipart body's boundaries and text fields beside the largest image. */
const ENVELOPE_BYTES = 64 * 1024;

/** Where images sent by key are read from: the image routes may read nothing else of the store. */
export const IMAGE_KEY_PREFIX = 'images/';

const JsonImageRequest = z
  .looseObject({
    image_base64: z.optional(z.string().check(z.minLength(1))),
    image_s3_key: z.optional(
      z.string().check(
        z.minLength(1),
        z.maxLength(1024),
        z.refine(
          (key) => isPlainKey(key) && key.startsWith(IMAGE_KEY_PREFIX),
          `${STORAGE_KEY_RULE}, under ${IMAGE_KEY_PREFIX}`,
        ),
      ),
    ),
  })
  .check(
    z.refine((r) => (r.image_base64 === undefined) !== (r.image_s3_key === undefined), {
      message: 'send either "image_base64" or "image_s3_key"',
    }),
  );

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

/** The image's bytes and the body's other fields, from whichever of the accepted forms the body is. */
async function uploadedImage(
  event: APIGatewayProxyEventV2,
  limits: ImageLimits,
  blobs: BlobStore | undefined,
): Promise<{ bytes: Buffer; fields: Record<string, unknown> }> {
  const contentType = headerValue(event, 'content-type') ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'multipart/form-data') {
    const body = rawBody(event);
    if (body.length > limits.maxBytes + ENVELOPE_BYTES)
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
    const { image_base64, image_s3_key, ...fields } = validate(
      JsonImageRequest,
      parseJsonBody(event, Math.ceil((limits.maxBytes * 4) / 3) + ENVELOPE_BYTES),
    );
    if (image_base64 !== undefined) {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(image_base64.replace(/\s+/g, ''))) {
        throw new RequestValidationError([{ path: 'image_base64', message: 'is not valid base64' }]);
      }
      return { bytes: Buffer.from(image_base64, 'base64'), fields };
    }
    if (!blobs)
      throw new RequestValidationError([{ path: 'image_s3_key', message: 'no image bucket is configured' }]);
    const object = await blobs.get(image_s3_key as string);
    if (!object)
      throw new RequestValidationError([{ path: 'image_s3_key', message: `no object ${image_s3_key}` }]);
    return { bytes: object.body, fields };
  }
  throw new UnsupportedMediaTypeError(
    `send the image as multipart/form-data (field "image"), an image/* body, or JSON with image_base64 or image_s3_key; got '${mediaType || 'none'}'`,
  );
}

/** Query parameters and body fields as one set; a field given in both is refused (422), naming each. */
function mergeRequestFields(
  query: Readonly<Record<string, string | undefined>>,
  body: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const twice = Object.keys(body).filter((name) => query[name] !== undefined);
  if (twice.length > 0) {
    throw new RequestValidationError(
      twice.map((name) => ({
        path: name,
        message: 'given both as a query parameter and in the body; send it once',
      })),
    );
  }
  return { ...query, ...body };
}

/** Reads the request's image, bounds and checks it, and gathers the fields that came with it. */
export async function readImageRequest(
  event: APIGatewayProxyEventV2,
  options: { limits?: ImageLimits; blobs?: BlobStore } = {},
): Promise<ImageRequest> {
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
  const upload = await uploadedImage(event, limits, options.blobs);
  const fields = mergeRequestFields(event.queryStringParameters ?? {}, upload.fields);
  return { image: await checkImage(upload.bytes, limits), fields };
}
