import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  /** A custom endpoint (an S3-compatible server); AWS's regional endpoint when absent. */
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly region?: string;
  /** Explicit credentials (tests); the default provider chain when absent. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * The one way S3 clients are made, so that every adapter honours the same endpoint settings. S3-compatible
 * servers (a custom endpoint) get checksums only where S3 requires them: many do not understand the
 * aws-chunked uploads with trailing checksums that the SDK sends to AWS by default, and store them verbatim.
 */
export function createS3Client(settings: S3Settings = {}): S3Client {
  return new S3Client({
    ...(settings.endpoint
      ? {
          endpoint: settings.endpoint,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    forcePathStyle: settings.forcePathStyle ?? Boolean(settings.endpoint),
    region: settings.region ?? process.env.AWS_REGION ?? 'us-east-1',
  });
}

/** Splits `s3://bucket/some/prefix` into its bucket and key prefix (without a trailing slash). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match?.[1]) throw new Error(`not an s3://bucket[/prefix] URI: ${uri}`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/\/+$/, '') };
}
