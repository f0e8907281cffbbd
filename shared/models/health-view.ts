/**
 * What `GET /health` answers: the configured profile and every model of the catalog as this configuration
 * would serve it (which model, and where its files would come from), in the API's spelling.
 */

import { MODEL_PROFILES } from '../config/environment';
import * as z from '../schema';
import { CATALOG_KEYS } from './catalog';

export const ModelView = z.object({
  key: z.enum(CATALOG_KEYS),
  id: z.string(),
  profile: z.enum(['standard', 'tiny']),
  source: z.enum(['local', 's3', 'hub', 'gpu-service', 'missing']),
});
export type ModelView = z.output<typeof ModelView>;

export const HealthResponse = z.object({
  status: z.literal('ok'),
  profile: z.enum(MODEL_PROFILES),
  models: z.array(ModelView),
  uptime_s: z.number().check(z.int(), z.minimum(0)),
});
export type HealthResponse = z.output<typeof HealthResponse>;
