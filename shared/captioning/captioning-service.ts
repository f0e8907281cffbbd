/** Image captioning through the vision-encoder-decoder pipeline (ViT encoder, GPT-2 decoder). */
import { elapsedMs, type ModelInfo, modelInfo } from '../models/model-info';
import type { ModelRuntime } from '../models/model-runtime';
import { decodeRgb, type ImageInput, type ImageLimits } from '../vision/image-input';

export interface CaptionResult {
  caption: string;
  model: ModelInfo;
  timing_ms: number;
}

export interface CaptioningService {
  caption(image: ImageInput, options?: { maxNewTokens?: number }): Promise<CaptionResult>;
}

/** The image processor resizes to the model's input anyway; decoding at most this size saves the work. */
const DECODE_SIZE = 512;

export function createCaptioningService(deps: {
  runtime: ModelRuntime;
  limits: ImageLimits;
}): CaptioningService {
  return {
    async caption(image, options = {}) {
      // Decoded before the model loads: a bad image is refused without waiting for it.
      const decodeStarted = performance.now();
      const rgb = await decodeRgb(image, deps.limits, DECODE_SIZE);
      const decodeMs = performance.now() - decodeStarted;
      const model = await deps.runtime.load('captioning');
      const { RawImage } = await import('@huggingface/transformers'); // loaded with the model
      const started = performance.now() - decodeMs;
      const [output] = (await model.pipeline(new RawImage(rgb.data, rgb.width, rgb.height, 3), {
        max_new_tokens: options.maxNewTokens ?? 20,
      })) as { generated_text: string }[];
      return {
        caption: (output?.generated_text ?? '').trim(),
        model: modelInfo(model),
        timing_ms: elapsedMs(started),
      };
    },
  };
}
