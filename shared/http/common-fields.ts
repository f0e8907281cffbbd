import * as z from '../schema';

/** A random seed as the request schemas accept it: an unsigned 32-bit integer. */
export const Seed = z.number().check(z.int(), z.minimum(0), z.maximum(2 ** 32 - 1));

/** How every response names the model that served it (`profile` says whether a tiny stand-in did). */
export const ServedModel = z.object({ id: z.string(), profile: z.enum(['standard', 'tiny']) });
