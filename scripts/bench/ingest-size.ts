/**
 * Ingestion of single large documents (100,000 characters up to the 2,000,000-character limit) with the tiny
 * embedder: time, chunks, and peak memory. Each size runs in a fresh process; peak RSS comes from the
 * kernel and peak heap from V8's GC trace (the largest heap seen before a collection, or at the end).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MAX_DOCUMENT_CHARS } from '../../shared/rag/schema';
import * as z from '../../shared/schema';
import { generateTinyModels } from '../tiny-models/generate';
import { printTable } from './stats';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The largest heap in use that a `--trace-gc` log reports, before or after any collection, in MB. */
function peakHeapFromGcTrace(log: string): number {
  let peak = 0;
  for (const match of log.matchAll(
    /(?:Scavenge|Mark-Compact|Mark-sweep)[^\n]*? ([\d.]+) \([\d.]+\) -> ([\d.]+)/g,
  )) {
    peak = Math.max(peak, Number(match[1]), Number(match[2]));
  }
  return peak;
}

/** What the child process (ingest-document.ts) prints as its last JSON line. */
export const IngestDocumentResult = z.object({
  characters: z.number(),
  chunks: z.number(),
  seconds: z.number(),
  /** Peak resident set size of the whole process, in MiB. */
  peakRssMiB: z.number(),
});
export type IngestDocumentResult = z.output<typeof IngestDocumentResult>;

async function ingestInChild(characters: number, modelRoot: string) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--trace-gc', 'scripts/bench/ingest-document.ts', String(characters), modelRoot],
    { cwd: PROJECT_ROOT, maxBuffer: 256 * 2 ** 20 },
  );
  const lines = stdout.trim().split('\n');
  const result = IngestDocumentResult.parse(JSON.parse(lines.findLast((l) => l.startsWith('{')) ?? '{}'));
  return { ...result, peakHeapMB: peakHeapFromGcTrace(stdout) };
}

export async function benchIngestSize(sizes: readonly number[] = [100_000, 1_000_000, MAX_DOCUMENT_CHARS]) {
  const modelRoot = path.join(PROJECT_ROOT, '.tmp', 'bench-models');
  await generateTinyModels(modelRoot, ['embeddings']);
  const rows: string[][] = [];
  for (const size of sizes) {
    const r = await ingestInChild(size, modelRoot);
    rows.push([
      r.characters.toLocaleString('en-US'),
      String(r.chunks),
      r.seconds.toFixed(1),
      (r.characters / r.seconds / 1000).toFixed(0),
      r.peakRssMiB.toFixed(0),
      r.peakHeapMB.toFixed(0),
    ]);
  }
  printTable(
    'Ingestion of one large document with the tiny embedder into FAISS on the local BlobStore (fresh process each)',
    ['characters', 'chunks', 'seconds', 'k chars/s', 'peak RSS MiB', 'peak heap MB'],
    rows,
  );
}
