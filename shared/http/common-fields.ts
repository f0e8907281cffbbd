import { z } from 'zod';

/** A random seed as the request schemas accept it: an unsigned 32-bit integer. */
export const Seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);

/** How every response names the model that served it (`profile` says whether a tiny stand-in did). */
export const ServedModel = z.object({ id: z.string(), profile: z.enum(['standard', 'tiny']) });
