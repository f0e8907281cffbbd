/** The files of the standard Stable Diffusion export that `npm run models:fetch -- diffusion` downloads. */

import { MODEL_PROFILES } from '../config/environment';
import { MODEL_CATALOG } from '../models/catalog';
import * as z from '../schema';

/** A profile named outside the validated configuration (the GPU container's MODEL_PROFILE). */
export const ModelProfileSchema = z.enum(MODEL_PROFILES);

/** The catalog's SD 1.5 ONNX export, and what of it the pipeline reads. */
export const STANDARD_DIFFUSION_MODEL = {
  id: MODEL_CATALOG.diffusion.standard.id,
  revision: MODEL_CATALOG.diffusion.standard.revision,
  /** The SD tokenizer folder ships vocab.json/merges.txt; transformers.js reads the same CLIP BPE from here. */
  tokenizerFrom: 'Xenova/clip-vit-base-patch32',
  files: [
    'model_index.json',
    'scheduler/scheduler_config.json',
    'text_encoder/model.onnx',
    'unet/model.onnx',
    'unet/weights.pb',
    'vae_decoder/model.onnx',
  ],
} as const;
