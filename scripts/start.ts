/**
 * `npm start`: serves every route on 127.0.0.1:$PORT (default 3000) under serverless-offline. With the auto or
 * tiny profile it first writes the tiny models, so a fresh clone serves without any download.
 */
import { checkDocumentsOnStart } from '../shared/app/document-repair';
import { loadConfig, readScriptEnvironment } from '../shared/config/environment';
import { exitStatusOf, startLocalServer } from './local-server';
import { generateTinyComponentModels, generateTinyModels } from './tiny-models/generate';

const config = loadConfig();
if (config.modelProfile !== 'standard') {
  await generateTinyModels(config.modelRoot);
  await generateTinyComponentModels(config.modelRoot);
}
const port = readScriptEnvironment(['PORT']).PORT;
const server = await startLocalServer({ port, stdio: 'inherit', dataDir: config.rag.dataDir });
await checkDocumentsOnStart({
  ...process.env,
  DATA_DIR: server.dataDir,
  CHROMA_URL: server.chromaUrl ?? process.env.CHROMA_URL,
});
const keysTable = process.env.API_KEYS_TABLE;
const dynamoEndpoint = server.dynamoEndpoint ?? process.env.DYNAMODB_ENDPOINT;
console.log(
  keysTable
    ? `\nAPI keys: enforced as deployed (table ${keysTable}${dynamoEndpoint ? ` at ${dynamoEndpoint}` : ''}); ` +
        'every route but /health needs an x-api-key. Create one with\n' +
        `  API_KEYS_TABLE=${keysTable}${dynamoEndpoint ? ` DYNAMODB_ENDPOINT=${dynamoEndpoint}` : ''} npm run keys -- create --name NAME`
    : '\nAPI keys: off, every route is open to anyone who reaches 127.0.0.1 (set API_KEYS_TABLE to enforce them)',
);
console.log(
  `\ngenai-endpoints listening on ${server.url} (model profile: ${config.modelProfile}, data: ${server.dataDir}` +
    `${server.chromaUrl ? `, embedded Chroma: ${server.chromaUrl}` : ''})\n` +
    `  playground ${server.url}/  ·  API reference ${server.url}/docs  ·  OpenAPI ${server.url}/openapi.json\n` +
    '  (serverless-offline lists its routes above on a port of its own, behind this one: use this address)\n',
);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // A second signal (a terminal and a supervisor may both send one) must not cut the stop short: the
  // embedded Chroma would outlive the server.
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.stop().finally(() => process.exit(0));
  });
}
// The server ended without being asked to (a crash, or killed): the embedded Chroma is already stopped;
// say so, and exit non-zero so that whatever runs `npm start` knows.
void server.exited.then((exit) => {
  if (stopping) return;
  const status = exitStatusOf(exit);
  console.error(
    `\ngenai-endpoints stopped (${exit.signal ?? `exit code ${exit.code}`}); exiting with ${status}`,
  );
  process.exit(status);
});
