/** Plain text from an uploaded document: plain text as it is, Markdown rendered then flattened, HTML flattened. */
import { convert } from 'html-to-text';
import { marked } from 'marked';

export const SUPPORTED_CONTENT_TYPES = ['text/plain', 'text/markdown', 'text/html'] as const;
export type DocumentContentType = (typeof SUPPORTED_CONTENT_TYPES)[number];

const ALIASES: Record<string, DocumentContentType> = {
  'text/plain': 'text/plain',
  'text/markdown': 'text/markdown',
  'text/x-markdown': 'text/markdown',
  'text/html': 'text/html',
  'application/xhtml+xml': 'text/html',
};

const EXTENSIONS: Record<string, DocumentContentType> = {
  txt: 'text/plain',
  text: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
};

/** The supported type a header or file name names, if any (parameters such as charset are ignored). */
export function resolveContentType(
  contentType: string | undefined,
  fileName?: string,
): DocumentContentType | undefined {
  const bare = contentType?.split(';')[0]?.trim().toLowerCase();
  if (bare && ALIASES[bare]) return ALIASES[bare];
  const extension = fileName?.split('.').pop()?.toLowerCase();
  return extension ? EXTENSIONS[extension] : undefined;
}

const htmlToText = (html: string) =>
  convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
    ],
  });

export function extractText(content: string, contentType: DocumentContentType): string {
  const text =
    contentType === 'text/html'
      ? htmlToText(content)
      : contentType === 'text/markdown'
        ? htmlToText(marked.parse(content, { async: false }))
        : content;
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
