/** What the researcher keeps of an article: in the cache, and in the workflow (without the text). */
import * as z from '../schema';

/** An article as the workflow passes it between states: its text stays in the BlobStore, under `key`. */
export const ArticleRef = z.object({
  title: z.string(),
  url: z.string(),
  lang: z.string(),
  revision: z.number().check(z.int()),
  /** Where the text is stored, so that no state carries it (Step Functions passes at most 256 KB). */
  key: z.string(),
  /**
   * Characters of the article, and how many of them were read (RESEARCHER_MAX_ARTICLE_CHARS, or a job's
   * RESEARCHER_MAX_JOB_ARTICLE_CHARS).
   */
  characters: z.number().check(z.int()),
  read_characters: z.number().check(z.int()),
});
export type ArticleRef = z.output<typeof ArticleRef>;

/** The cached object: the reference and the text it refers to. */
export const CachedArticle = z.extend(ArticleRef, { text: z.string() });
export type CachedArticle = z.output<typeof CachedArticle>;

/** The language code of a Wikipedia (en, de, simple, zh-yue, be-tarask). */
export const WikipediaLang = z
  .string()
  .check(
    z.regex(/^[a-z][a-z0-9-]{1,19}$/, 'lang must be a Wikipedia language code such as en, de or simple'),
  );
