/**
 * `npm run eval:router`: the router's accuracy and confusion matrix on the labelled set
 * (scripts/router-eval/labelled-messages.v1.json), on whatever embedding model this machine serves.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { composeModelRuntime } from '../shared/app/model-runtime';
import { loadConfig } from '../shared/config/environment';
import { createEmbeddingService } from '../shared/embeddings/embedding-service';
import { confusionTable, evaluateRouter } from './router-eval/evaluate';
import { generateTinyModels } from './tiny-models/generate';

const config = loadConfig();
if (config.modelProfile !== 'standard') await generateTinyModels(config.modelRoot);
const logger = new Logger({ serviceName: 'eval-router', logLevel: 'ERROR' });
const runtime = composeModelRuntime({ config, logger });
const embeddings = createEmbeddingService({ runtime });
const { model } = await embeddings.embed(['which model serves?']);
const thresholds = {
  ragMinScore: config.chat.ragMinScore,
  routeMinSimilarity: config.chat.routeMinSimilarity,
};
const result = await evaluateRouter({ embeddings, thresholds });

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(
  `router evaluation: ${result.total} labelled messages, embedder ${model.id} (profile ${model.profile})`,
);
console.log(
  `thresholds: CHAT_RAG_MIN_SCORE=${thresholds.ragMinScore}, CHAT_ROUTE_MIN_SIMILARITY=${thresholds.routeMinSimilarity}`,
);
console.log(
  `accuracy: ${percent(result.accuracy)} (${result.correct}/${result.total}); without the ambiguous ones: ${percent(result.clearAccuracy)}\n`,
);
console.log(confusionTable(result.confusion));
if (result.mistakes.length > 0) {
  console.log('\nmistakes:');
  for (const m of result.mistakes.slice(0, 15))
    console.log(`  [${m.label} -> ${m.predicted}] ${m.message.slice(0, 70)} (${m.reason.slice(0, 120)})`);
  if (result.mistakes.length > 15) console.log(`  … and ${result.mistakes.length - 15} more`);
}
console.log(
  model.profile === 'standard'
    ? '\nThese figures are for the standard embedder: they describe the router as deployed.'
    : '\nNOTE: this ran on the tiny embedder, whose weights are random: every text is about equally similar to ' +
        'every other, so only the rules and exact example matches are meaningful here. The accuracy means ' +
        'something only on the standard models (npm run models:fetch, then MODEL_PROFILE=standard).',
);
await runtime.dispose();
