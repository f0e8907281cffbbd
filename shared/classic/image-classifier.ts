/**
 * Image classification with two model slots: an ImageNet classifier through transformers.js's
 * image-classification pipeline (a ViT export), and a CIFAR-10 CNN from the ONNX file an operator
 * exports (64×64 RGB in, ten logits out, its labels in its config.json). Both answer the top-k labels.
 */
import sharp from 'sharp';
import type { ClassicModels } from '../models/classic-models';
import { elapsedMs, modelInfo } from '../models/model-info';
import type { ModelRuntime } from '../models/model-runtime';
import { decodeRgb, type ImageInput, type ImageLimits, undecodable } from '../vision/image-input';
import { CifarCnnConfig, type ClassifiedImage, type ClassifierModel } from './schema';

export interface ImageClassifier {
  classify(image: ImageInput, options: { model: ClassifierModel; topK: number }): Promise<ClassifiedImage>;
}

/** The image processor resizes to the model's input anyway; decoding at most this size saves the work. */
const DECODE_SIZE = 512;

export function createImageClassifier(deps: {
  runtime: ModelRuntime;
  models: ClassicModels;
  limits: ImageLimits;
}): ImageClassifier {
  async function imagenet(image: ImageInput, topK: number): Promise<ClassifiedImage> {
    // Decoded before the model loads: a bad image is refused without waiting for it.
    const decodeStarted = performance.now();
    const rgb = await decodeRgb(image, deps.limits, DECODE_SIZE);
    const decodeMs = performance.now() - decodeStarted;
    const model = await deps.runtime.load('image-classification');
    const { RawImage } = await import('@huggingface/transformers'); // loaded with the model
    const started = performance.now() - decodeMs;
    const output = (await model.pipeline(new RawImage(rgb.data, rgb.width, rgb.height, 3), {
      top_k: topK,
    })) as { label: string; score: number }[];
    return {
      labels: output.map(({ label, score }) => ({ label, score })),
      model: { ...modelInfo(model), slot: 'imagenet' },
      timing_ms: elapsedMs(started),
    };
  }

  async function cifar10(image: ImageInput, topK: number): Promise<ClassifiedImage> {
    const model = await deps.models.load('cifar-cnn', { config: CifarCnnConfig, graphs: ['model.onnx'] });
    const started = performance.now();
    const { image_size: size, mean, std, labels } = model.config;
    const pixels = await sharp(image.bytes, { limitInputPixels: deps.limits.maxPixels, pages: 1 })
      .removeAlpha()
      .toColourspace('srgb')
      .resize(size, size, { fit: 'fill' })
      .raw()
      .toBuffer()
      .catch((error: unknown) => {
        throw undecodable(image, error);
      });
    const plane = size * size;
    const input = new Float32Array(3 * plane);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        input[c * plane + p] =
          ((pixels[p * 3 + c] as number) / 255 - (mean[c] as number)) / (std[c] as number);
      }
    }
    const session = model.sessions['model.onnx'] as NonNullable<(typeof model.sessions)[string]>;
    const { logits } = await session.run({
      pixel_values: new model.ort.Tensor('float32', input, [1, 3, size, size]),
    });
    const values = Array.from(logits?.data as Float32Array);
    const max = Math.max(...values);
    const exps = values.map((v) => Math.exp(v - max));
    const total = exps.reduce((a, b) => a + b, 0);
    const ranked = exps
      .map((e, i) => ({ label: labels[i] as string, score: e / total }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
    return { labels: ranked, model: { ...model.info, slot: 'cifar10' }, timing_ms: elapsedMs(started) };
  }

  return {
    classify: (image, { model, topK }) =>
      model === 'cifar10' ? cifar10(image, topK) : imagenet(image, topK),
  };
}
