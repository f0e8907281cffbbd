/**
 * Scores the router on a labelled set of messages: each message is routed as /chat would route it (the
 * rules, the documents' best match against CHAT_RAG_MIN_SCORE, the examples against
 * CHAT_ROUTE_MIN_SIMILARITY), over the set's own documents held in memory, and compared with its label.
 */

import type { EmbeddingService } from '../../shared/embeddings/embedding-service';
import { defaultRouteExamples } from '../../shared/routing/examples';
import type { RetrievalProbe } from '../../shared/routing/retrieval-probe';
import { ChatRouteName } from '../../shared/routing/route-names';
import { createMessageRouter, type RouterThresholds } from '../../shared/routing/router';
import { createSemanticRouter } from '../../shared/routing/semantic-router';
import * as z from '../../shared/schema';
import labelledV1 from './labelled-messages.v1.json' with { type: 'json' };

export const LabelledSet = z.strictObject({
  version: z.literal(1),
  description: z.optional(z.string()),
  documents: z.array(
    z.strictObject({ id: z.string().check(z.minLength(1)), text: z.string().check(z.minLength(1)) }),
  ),
  messages: z
    .array(
      z.strictObject({
        message: z.string(),
        route: ChatRouteName,
        image: z.optional(z.boolean()),
        ambiguous: z.optional(z.boolean()),
      }),
    )
    .check(z.minLength(80)),
});
export type LabelledSet = z.output<typeof LabelledSet>;

export const defaultLabelledSet = (): LabelledSet => LabelledSet.parse(labelledV1);

export interface Evaluation {
  readonly total: number;
  readonly correct: number;
  readonly accuracy: number;
  /** Accuracy on the messages not marked ambiguous. */
  readonly clearAccuracy: number;
  /** confusion[label][predicted] = count. */
  readonly confusion: Record<string, Record<string, number>>;
  readonly mistakes: { message: string; label: string; predicted: string; reason: string }[];
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);

/** The set's documents, embedded whole, as the store the retrieval stage searches. */
async function inMemoryProbe(embeddings: EmbeddingService, set: LabelledSet): Promise<RetrievalProbe> {
  const { vectors } = await embeddings.embed(set.documents.map((d) => d.text));
  return {
    route: 'rag',
    async bestMatch(vector) {
      let best: { score: number; documentId: string; chunkIndex: number } | undefined;
      set.documents.forEach((document, i) => {
        const score = dot(vector, vectors[i] as Float32Array);
        if (!best || score > best.score) best = { score, documentId: document.id, chunkIndex: 0 };
      });
      return best;
    },
  };
}

export async function evaluateRouter(deps: {
  embeddings: EmbeddingService;
  thresholds: RouterThresholds;
  set?: LabelledSet;
}): Promise<Evaluation> {
  const set = deps.set ?? defaultLabelledSet();
  const router = createMessageRouter({
    embeddings: deps.embeddings,
    semantic: createSemanticRouter({ embeddings: deps.embeddings, examples: defaultRouteExamples() }),
    retrieval: await inMemoryProbe(deps.embeddings, set),
    thresholds: deps.thresholds,
  });
  const confusion: Record<string, Record<string, number>> = {};
  const mistakes: Evaluation['mistakes'] = [];
  let correct = 0;
  let clear = 0;
  let clearCorrect = 0;
  for (const item of set.messages) {
    const decision = await router.route({ message: item.message, hasImage: item.image ?? false });
    const predicted = decision.name === 'rag-faiss' ? 'rag' : decision.name;
    confusion[item.route] ??= {};
    const row = confusion[item.route] as Record<string, number>;
    row[predicted] = (row[predicted] ?? 0) + 1;
    const right = predicted === item.route;
    if (right) correct++;
    else mistakes.push({ message: item.message, label: item.route, predicted, reason: decision.reason });
    if (!item.ambiguous) {
      clear++;
      if (right) clearCorrect++;
    }
  }
  const total = set.messages.length;
  return {
    total,
    correct,
    accuracy: correct / total,
    clearAccuracy: clear ? clearCorrect / clear : 0,
    confusion,
    mistakes,
  };
}

/** The confusion matrix as a text table: one row per label, one column per predicted route. */
export function confusionTable(confusion: Evaluation['confusion']): string {
  const labels = [
    ...new Set([...Object.keys(confusion), ...Object.values(confusion).flatMap(Object.keys)]),
  ].sort();
  const width = Math.max(10, ...labels.map((l) => l.length + 1));
  const cell = (text: string) => text.padStart(width);
  const header = `${'label \\ got'.padEnd(width)}${labels.map(cell).join('')}`;
  const rows = labels.map(
    (label) =>
      `${label.padEnd(width)}${labels.map((p) => cell(String(confusion[label]?.[p] ?? 0))).join('')}`,
  );
  return [header, ...rows].join('\n');
}
