/**
 * Reads S3's notification (the Lambda event of the documents bucket) into plain object changes, checked by
 * a schema of the few fields it uses, so that ingestion never sees an event.
 */

import type { ObjectChange } from '../../shared/rag/document-object-changes';
import * as z from '../../shared/schema';

const S3Notification = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      s3: z.object({
        bucket: z.object({ name: z.string().check(z.minLength(1)) }),
        object: z.object({ key: z.string() }),
      }),
    }),
  ),
});

/** Each record's bucket, decoded key (S3 form-encodes it: `+` for spaces) and whether it was created or removed. */
export function objectChangesOf(event: unknown): ObjectChange[] {
  return S3Notification.parse(event).Records.map((record) => ({
    bucket: record.s3.bucket.name,
    key: decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
    change: record.eventName.startsWith('ObjectRemoved') ? 'removed' : 'created',
  }));
}
