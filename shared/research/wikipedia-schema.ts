/**
 * The parts of MediaWiki Action API responses (`format=json&formatversion=2`) the researcher reads, checked
 * at the boundary: a server that answers another shape fails with a clear 502, never a TypeError deep inside.
 */
import * as z from '../schema';

const PageProps = z.looseObject({ disambiguation: z.optional(z.string()) });

/** A page of `generator=search&prop=info|pageprops&inprop=url`; `index` is its rank in the search. */
export const SearchedPage = z.looseObject({
  title: z.string(),
  index: z.optional(z.number()),
  missing: z.optional(z.boolean()),
  lastrevid: z.optional(z.number().check(z.int())),
  fullurl: z.optional(z.string()),
  pageprops: z.optional(PageProps),
});

export const SearchResponse = z.looseObject({
  query: z.optional(z.looseObject({ pages: z._default(z.array(SearchedPage), []) })),
});

/** `action=opensearch`: [query, titles, descriptions, urls]. */
export const OpenSearchResponse = z.tuple([z.string(), z.array(z.string())], z.unknown());

/** `{query: {pages: [...]}}` with pages of `page`'s shape, extra fields kept (MediaWiki adds many). */
const pagesOf = <T extends z.core.$ZodShape>(page: T) =>
  z.looseObject({ query: z.looseObject({ pages: z.array(z.looseObject(page)) }) });

/** `prop=links` of one page (a disambiguation page's candidate articles). */
export const LinksResponse = pagesOf({
  title: z.string(),
  links: z._default(z.array(z.looseObject({ ns: z.number(), title: z.string() })), []),
});

/** `prop=extracts|info&explaintext&inprop=url&redirects=1` of one title. */
export const ExtractResponse = pagesOf({
  title: z.string(),
  missing: z.optional(z.boolean()),
  extract: z.optional(z.string()),
  lastrevid: z.optional(z.number().check(z.int())),
  fullurl: z.optional(z.string()),
});
