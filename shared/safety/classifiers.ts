/**
 * The safety filters' classifiers on the model runtime: toxic-bert's `toxic` probability (a sigmoid per
 * label) and the prompt-injection classifier's `INJECTION` probability, one forward pass per batch of texts.
 */
import type { ModelRuntime } from '../models/model-runtime';
import type { SafetyClassifier, SafetyClassifiers } from './safety-screen';

interface LabelScore {
  label: string;
  score: number;
}

function labelProbability(
  runtime: ModelRuntime,
  key: 'toxicity' | 'prompt-injection',
  label: string,
): SafetyClassifier {
  return async (texts) => {
    if (texts.length === 0) return [];
    const model = await runtime.load(key);
    const raw = (await model.pipeline([...texts], { top_k: null })) as unknown as LabelScore[][];
    return raw.map((scores) => scores.find((s) => s.label === label)?.score ?? 0);
  };
}

export function createSafetyClassifiers(runtime: ModelRuntime): Required<SafetyClassifiers> {
  return {
    toxicity: labelProbability(runtime, 'toxicity', 'toxic'),
    injection: labelProbability(runtime, 'prompt-injection', 'INJECTION'),
  };
}
