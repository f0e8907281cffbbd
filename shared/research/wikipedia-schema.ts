/**
 * The parts of MediaWiki Action API responses (`format=json&formatversion=2`) the researcher reads, checked
 * at the boundary: a server that answers another shape fails with a clear 502, never a TypeError deep inside.
 */
import { z } from 'zod';

const PageProps = z.object({ disambiguation: z.string().optional() }).loose();

/** A page of `generator=search&prop=info|pageprops&inprop=url`; `index` is its rank in the search. */
export const SearchedPage = z
  .object({
    title: z.string(),
    index: z.number().optional(),
    missing: z.boolean().optional(),
    lastrevid: z.number().int().optional(),
    fullurl: z.string().optional(),
    pageprops: PageProps.optional(),
  })
  .loose();

export const SearchResponse = z
  .object({
    query: z
      .object({ pages: z.array(SearchedPage).default([]) })
      .loose()
      .optional(),
  })
  .loose();

/** `action=opensearch`: [query, titles, descriptions, urls]. */
export const OpenSearchResponse = z.tuple([z.string(), z.array(z.string())]).rest(z.unknown());

/** `{query: {pages: [...]}}` with pages of `page`'s shape, extra fields kept (MediaWiki adds many). */
const pagesOf = <T extends z.ZodRawShape>(page: T) =>
  z.object({ query: z.object({ pages: z.array(z.object(page).loose()) }).loose() }).loose();

/** `prop=links` of one page (a disambiguation page's candidate articles). */
export const LinksResponse = pagesOf({
  title: z.string(),
  links: z.array(z.object({ ns: z.number(), title: z.string() }).loose()).default([]),
});

/** `prop=extracts|info&explaintext&inprop=url&redirects=1` of one title. */
export const ExtractResponse = pagesOf({
  title: z.string(),
  missing: z.boolean().optional(),
  extract: z.string().optional(),
  lastrevid: z.number().int().optional(),
  fullurl: z.string().optional(),
});
