/**
 * The GPU service's shared secret as its clients send it: `Authorization: Bearer <secret>`, read once (from
 * SSM when deployed) through the secrets loader, so that the service answers only the suite's functions.
 */
import { ServiceUnavailableError } from '../errors';

/** Resolves to the secret; `lazySecret` of shared/config/secrets.ts makes one. */
export type GpuCredential = () => Promise<string>;

export async function gpuAuthorization(
  credential: GpuCredential | undefined,
): Promise<Record<string, string>> {
  if (!credential) return {};
  try {
    return { authorization: `Bearer ${await credential()}` };
  } catch (error) {
    throw new ServiceUnavailableError('the GPU service credential cannot be read; retry later', {
      retryAfterSeconds: 30,
      cause: error,
    });
  }
}
