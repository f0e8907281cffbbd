/**
 * `npm run ngram:corpus`: writes shared/ngram/project-docs-text.ts, the text of the suite's own
 * documentation (README.md and docs/architecture.md, without code blocks, links' targets or tables'
 * rules) that POST /generate trains its default corpus from. The functions carry it in their bundle, so
 * the default corpus needs no file beside the code; rerun this script when those documents change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
export const PROJECT_DOCS_SOURCES = ['README.md', 'docs/architecture.md'] as const;

/** Markdown as prose: fenced code, link targets, table rules and markup characters removed. */
export function markdownProse(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?```/g, '\n')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/^\s*\|?[\s:|-]+\|[\s:|-]*$/gm, '')
    .replace(/[#*_`|[\]>]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function projectDocsModule(): string {
  const text = PROJECT_DOCS_SOURCES.map((file) =>
    markdownProse(readFileSync(path.join(ROOT, file), 'utf8')),
  ).join('\n\n');
  return [
    `/** The suite's own documentation as prose (${PROJECT_DOCS_SOURCES.join(', ')}): written by \`npm run ngram:corpus\`. */`,
    `export const PROJECT_DOCS_TEXT =\n  ${JSON.stringify(text)};`,
    '',
  ].join('\n');
}

if (process.argv[1] === import.meta.filename) {
  const file = path.join(ROOT, 'shared/ngram/project-docs-text.ts');
  writeFileSync(file, projectDocsModule());
  console.log(`wrote ${path.relative(ROOT, file)}`);
}
