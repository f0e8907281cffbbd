/**
 * Finds the Wikipedia article for a topic and reads its plain text, once per revision. The search asks for
 * each hit's revision, URL and disambiguation flag in the same request (redirects followed), so a cached
 * revision costs one request and no extract; a new revision's extract is read, capped at the caller's
 * `maxChars`, and stored in the BlobStore under the title, revision and that cap.
 */

import { UpstreamError } from '../errors';
import * as z from '../schema';
import type { ArticleCache } from './article-cache';
import type { ArticleRef, CachedArticle } from './wikipedia-article';
import type { WikipediaHttp } from './wikipedia-http';
import { ExtractResponse, LinksResponse, OpenSearchResponse, SearchResponse } from './wikipedia-schema';

export type ArticleLookup =
  | { readonly status: 'found'; readonly article: ArticleRef }
  | {
      readonly status: 'not_found';
      readonly topic: string;
      readonly lang: string;
      readonly suggestions: string[];
    }
  | {
      readonly status: 'disambiguation';
      readonly title: string;
      readonly lang: string;
      readonly candidates: string[];
    };

export interface WikipediaClient {
  /** The article for `topic`, its text read up to `maxChars` (a synchronous answer's or a job's). */
  lookup(topic: string, lang: string, maxChars: number): Promise<ArticleLookup>;
}

export interface WikipediaClientOptions {
  readonly http: WikipediaHttp;
  /** The API endpoint; `{lang}` stands for the language code. */
  readonly apiUrl: string;
  readonly cache: ArticleCache;
}

export const SUGGESTION_LIMIT = 5;
export const CANDIDATE_LIMIT = 50;

/** The text cut at the last sentence (or word) end before `max` characters. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  const sentenceEnd = Math.max(head.lastIndexOf('. '), head.lastIndexOf('.\n'));
  if (sentenceEnd > max / 2) return head.slice(0, sentenceEnd + 1);
  const space = head.lastIndexOf(' ');
  return space > max / 2 ? head.slice(0, space) : head;
}

export function createWikipediaClient(options: WikipediaClientOptions): WikipediaClient {
  const endpoint = (lang: string, params: Record<string, string>) => {
    const url = new URL(options.apiUrl.replaceAll('{lang}', lang));
    for (const [name, value] of Object.entries({ format: 'json', formatversion: '2', ...params }))
      url.searchParams.set(name, value);
    return url;
  };

  const get = async <S extends z.core.$ZodType>(schema: S, lang: string, params: Record<string, string>) => {
    const url = endpoint(lang, params);
    const parsed = z.safeParse(schema, await options.http.getJson(url));
    if (!parsed.success)
      throw new UpstreamError(`Wikipedia at ${url.host} answered ${params.action} in an unexpected shape`);
    return parsed.data as z.output<S>;
  };

  async function suggestions(topic: string, lang: string): Promise<string[]> {
    const [, titles] = await get(OpenSearchResponse, lang, {
      action: 'opensearch',
      search: topic,
      limit: String(SUGGESTION_LIMIT),
      namespace: '0',
      profile: 'fuzzy',
      redirects: 'resolve',
    });
    return titles.slice(0, SUGGESTION_LIMIT);
  }

  async function candidates(title: string, lang: string): Promise<string[]> {
    const response = await get(LinksResponse, lang, {
      action: 'query',
      prop: 'links',
      titles: title,
      plnamespace: '0',
      pllimit: String(CANDIDATE_LIMIT),
    });
    return (response.query.pages[0]?.links ?? []).map((l) => l.title).slice(0, CANDIDATE_LIMIT);
  }

  async function readArticle(
    title: string,
    lang: string,
    maxChars: number,
  ): Promise<CachedArticle | undefined> {
    const response = await get(ExtractResponse, lang, {
      action: 'query',
      prop: 'extracts|info',
      explaintext: '1',
      exsectionformat: 'plain',
      inprop: 'url',
      redirects: '1',
      titles: title,
    });
    const page = response.query.pages[0];
    if (!page || page.missing || page.lastrevid === undefined || !page.extract?.trim()) return undefined;
    const text = capText(page.extract.trim(), maxChars);
    return {
      title: page.title,
      url: page.fullurl ?? endpoint(lang, {}).origin,
      lang,
      revision: page.lastrevid,
      key: options.cache.keyOf(lang, page.title, page.lastrevid, maxChars),
      characters: page.extract.length,
      read_characters: text.length,
      text,
    };
  }

  return {
    async lookup(topic, lang, maxChars) {
      const search = await get(SearchResponse, lang, {
        action: 'query',
        generator: 'search',
        gsrsearch: topic,
        gsrnamespace: '0',
        gsrlimit: String(SUGGESTION_LIMIT),
        prop: 'info|pageprops',
        inprop: 'url',
        ppprop: 'disambiguation',
        redirects: '1',
      });
      const hits = (search.query?.pages ?? [])
        .filter((p) => !p.missing)
        .sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER));
      const top = hits[0];
      if (!top) return { status: 'not_found', topic, lang, suggestions: await suggestions(topic, lang) };
      if (top.pageprops?.disambiguation !== undefined)
        return {
          status: 'disambiguation',
          title: top.title,
          lang,
          candidates: await candidates(top.title, lang),
        };
      if (top.lastrevid !== undefined) {
        const key = options.cache.keyOf(lang, top.title, top.lastrevid, maxChars);
        const hit = await options.cache.find(key, top.title);
        if (hit) {
          const { text: _text, ...article } = hit;
          return { status: 'found', article };
        }
      }
      const article = await readArticle(top.title, lang, maxChars);
      if (!article)
        return { status: 'not_found', topic, lang, suggestions: hits.slice(1).map((h) => h.title) };
      await options.cache.put(article);
      const { text: _text, ...ref } = article;
      return { status: 'found', article: ref };
    },
  };
}
