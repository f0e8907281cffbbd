/**
 * What `GET /health` answers: the configured profile and each model's state in this container, in the API's
 * spelling (the runtime keeps its own field names).
 */
import { z } from 'zod';
import { MODEL_PROFILES } from '../config/environment';
import { MODEL_KEYS } from './catalog';
import type { ModelStatus } from './model-runtime';

export const ModelStatusView = z.object({
  key: z.enum(MODEL_KEYS),
  state: z.enum(['not_loaded', 'loading', 'ready', 'failed']),
  id: z.string(),
  profile: z.enum(['standard', 'tiny']),
  source: z.enum(['local', 's3', 'hub', 'missing']).optional(),
  load_ms: z.number().optional(),
  error: z.string().optional(),
});
export type ModelStatusView = z.output<typeof ModelStatusView>;

export const HealthResponse = z.object({
  status: z.literal('ok'),
  profile: z.enum(MODEL_PROFILES),
  models: z.array(ModelStatusView),
  uptime_s: z.number().int().min(0),
});
export type HealthResponse = z.output<typeof HealthResponse>;

export const modelStatusView = ({ loadMs, ...status }: ModelStatus): ModelStatusView => ({
  ...status,
  ...(loadMs === undefined ? {} : { load_ms: loadMs }),
});
