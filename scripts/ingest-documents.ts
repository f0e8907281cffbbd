/**
 * `npm run documents:ingest -- PATH... [--url http://127.0.0.1:3000] [--concurrency 2]`: bulk ingestion of
 * text, Markdown and HTML files (folders are walked) through `POST /documents` of a running suite, each file
 * under an id made of its name. Shows progress (files, rate, time left) on a terminal; prints one line per
 * failure and a summary, and exits 1 when a file was refused.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProgress } from './progress';

const CONTENT_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
};

/** Every ingestible file under the given paths, in a stable order. */
export async function ingestibleFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) {
      const entries = await readdir(p, { recursive: true, withFileTypes: true });
      for (const entry of entries) {
        const file = path.join(entry.parentPath, entry.name);
        if (entry.isFile() && CONTENT_TYPES[path.extname(file).toLowerCase()]) found.push(file);
      }
    } else {
      found.push(p);
    }
  }
  return [...new Set(found)].sort();
}

/** A document id from a file name: the characters ids allow, the rest as "-". */
export const documentIdOf = (file: string) =>
  path
    .basename(file)
    .replace(/[^A-Za-z0-9._:-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 200) || 'document';

export interface IngestOutcome {
  readonly file: string;
  readonly status: number;
  readonly error?: string;
}

export async function ingestFiles(
  files: readonly string[],
  options: { url: string; concurrency?: number; onDone?: (outcome: IngestOutcome) => void },
): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = [];
  let next = 0;
  const one = async (file: string): Promise<IngestOutcome> => {
    const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'text/plain';
    try {
      const response = await fetch(`${options.url.replace(/\/+$/, '')}/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: documentIdOf(file),
          text: await readFile(file, 'utf8'),
          content_type: contentType,
          source: path.basename(file),
        }),
      });
      if (response.ok) {
        await response.arrayBuffer();
        return { file, status: response.status };
      }
      const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
      return { file, status: response.status, error: body.error?.message ?? response.statusText };
    } catch (error) {
      return { file, status: 0, error: (error as Error).message };
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, options.concurrency ?? 2) }, async () => {
      while (next < files.length) {
        const file = files[next++] as string;
        const outcome = await one(file);
        outcomes.push(outcome);
        options.onDone?.(outcome);
      }
    }),
  );
  return outcomes;
}

if (import.meta.filename === process.argv[1]) {
  const { values, positionals } = parseArgs({
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 3000}` },
      concurrency: { type: 'string', default: '2' },
    },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error('usage: npm run documents:ingest -- PATH... [--url URL] [--concurrency N]');
    process.exit(2);
  }
  const files = await ingestibleFiles(positionals);
  const progress = createProgress({ label: 'documents', total: files.length, unit: 'items' });
  const outcomes = await ingestFiles(files, {
    url: values.url,
    concurrency: Number(values.concurrency),
    onDone: () => progress.advance(),
  });
  progress.finish();
  const failed = outcomes.filter((o) => o.error !== undefined);
  for (const o of failed) console.error(`${o.file}: ${o.status || 'no answer'} ${o.error}`);
  console.log(`ingested ${outcomes.length - failed.length} of ${files.length} files into ${values.url}`);
  process.exit(failed.length > 0 ? 1 : 0);
}
