/** Which Stable Diffusion export serves, by profile, like the transformers.js catalog does for the others. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MODEL_PROFILES, type ModelProfile } from '../config/environment';

export const ModelProfileSchema = z.enum(MODEL_PROFILES);

/** SD 1.5 exported to ONNX (text_encoder/, unet/ with weights.pb, vae_decoder/, tokenizer/, scheduler/). */
export const STANDARD_DIFFUSION_MODEL = {
  id: 'onnx-community/stable-diffusion-v1-5-ONNX',
  revision: 'main',
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
export const TINY_DIFFUSION_MODEL_ID = 'tiny-random/stable-diffusion';

const present = (dir: string) => existsSync(path.join(dir, 'unet', 'model.onnx'));

export function resolveDiffusionModelDir(options: { profile: ModelProfile; modelRoot: string }): string {
  const standard = path.join(options.modelRoot, STANDARD_DIFFUSION_MODEL.id);
  const tiny = path.join(options.modelRoot, TINY_DIFFUSION_MODEL_ID);
  if (options.profile === 'standard' || (options.profile === 'auto' && present(standard))) {
    if (!present(standard)) {
      throw new Error(
        `${STANDARD_DIFFUSION_MODEL.id} is not under ${options.modelRoot}: run \`npm run models:fetch -- diffusion\``,
      );
    }
    return standard;
  }
  if (!present(tiny))
    throw new Error(
      `${TINY_DIFFUSION_MODEL_ID} is not under ${options.modelRoot}: run \`npm run models:tiny\``,
    );
  return tiny;
}
