/**
 * `npm run documents:repair [-- --dry-run] [--rebuild-faiss] [--grace-seconds N]`: makes every configured
 * vector store hold exactly the registry's committed documents, and prints what it did. `--rebuild-faiss`
 * first rewrites the FAISS index from the committed versions' stored text (the recovery for an index that
 * cannot be read). Exits 1 when something could not be repaired.
 */
import { parseArgs } from 'node:util';
import { repairConfiguredDocuments } from '../shared/app/document-repair';
import { loadConfig } from '../shared/config/environment';
import { describeRepair } from '../shared/rag/repair-documents';

const { values } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    'rebuild-faiss': { type: 'boolean', default: false },
    'grace-seconds': { type: 'string' },
  },
});
const graceSeconds = values['grace-seconds'] === undefined ? undefined : Number(values['grace-seconds']);
if (graceSeconds !== undefined && !(graceSeconds >= 0)) {
  console.error('--grace-seconds takes a number of seconds, 0 or more');
  process.exit(2);
}
const report = await repairConfiguredDocuments(loadConfig(), {
  dryRun: values['dry-run'],
  rebuildFaiss: values['rebuild-faiss'],
  ...(graceSeconds === undefined ? {} : { graceMs: graceSeconds * 1000 }),
});
for (const line of describeRepair(report)) console.log(line);
process.exit(report.problems.length > 0 ? 1 : 0);
