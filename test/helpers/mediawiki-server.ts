/**
 * A local server speaking the MediaWiki Action API contract the researcher uses, with responses of the real
 * shape (`format=json&formatversion=2`): `generator=search` with `prop=info|pageprops` (hits ranked by
 * `index`, redirects resolved and listed), `prop=extracts|info` (plain text, `normalized`, `redirects`,
 * `missing`), `prop=links`, and `action=opensearch` with the fuzzy profile. Every wiki language is served
 * under `/{lang}/w/api.php`. Faults can be queued (429 with Retry-After, 503, slow answers), and every request
 * is recorded with its parameters, User-Agent and arrival time.
 */
import http from 'node:http';
import { listenOnLoopback } from './loopback';

export interface WikiPage {
  readonly title: string;
  readonly extract: string;
  readonly revision: number;
  /** A disambiguation page: `pageprops.disambiguation` is set and `links` are its candidates. */
  readonly disambiguation?: boolean;
  readonly links?: readonly string[];
}

export interface Fault {
  /** How many matching requests get this answer. */
  times: number;
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Only requests whose parameters this accepts (all of them when absent). */
  readonly match?: (params: URLSearchParams) => boolean;
  /** Wait this long before answering (a slow server; with status 0 the normal answer follows). */
  readonly delayMs?: number;
}

export interface RecordedRequest {
  readonly lang: string;
  readonly params: URLSearchParams;
  readonly userAgent: string | undefined;
  readonly at: number;
}

export interface MediaWikiServer {
  /** For WIKIPEDIA_API_URL: `{lang}` stands for the language code. */
  readonly apiUrl: string;
  readonly host: string;
  readonly requests: RecordedRequest[];
  readonly faults: Fault[];
  stop(): Promise<void>;
}

const normalize = (title: string) => {
  const spaced = title.replaceAll('_', ' ').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
};

const fullUrl = (lang: string, title: string) =>
  `https://${lang}.wikipedia.org/wiki/${encodeURIComponent(title.replaceAll(' ', '_'))}`;

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

export async function startMediaWikiServer(wiki: {
  pages: readonly WikiPage[];
  /** Redirect title -> target title. */
  redirects?: Readonly<Record<string, string>>;
}): Promise<MediaWikiServer> {
  const pages = new Map(wiki.pages.map((p, i) => [p.title, { ...p, pageid: 1000 + i }]));
  const redirects = new Map(Object.entries(wiki.redirects ?? {}));
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];

  const info = (lang: string, title: string) => {
    const page = pages.get(title);
    if (!page) return { ns: 0, title, missing: true };
    return {
      pageid: page.pageid,
      ns: 0,
      title,
      contentmodel: 'wikitext',
      pagelanguage: lang,
      pagelanguagehtmlcode: lang,
      pagelanguagedir: 'ltr',
      touched: '2026-11-01T12:00:00Z',
      lastrevid: page.revision,
      length: page.extract.length * 2,
      fullurl: fullUrl(lang, title),
      editurl: `${fullUrl(lang, title).replace('/wiki/', '/w/index.php?title=')}&action=edit`,
      canonicalurl: fullUrl(lang, title),
    };
  };

  /** Titles as the API resolves them: normalized, then redirects followed (when asked), each listed. */
  const resolve = (titles: string[], followRedirects: boolean) => {
    const normalized: { fromencoded: boolean; from: string; to: string }[] = [];
    const followed: { from: string; to: string }[] = [];
    const resolved = titles.map((raw) => {
      let title = normalize(raw);
      if (title !== raw) normalized.push({ fromencoded: false, from: raw, to: title });
      const target = redirects.get(title);
      if (followRedirects && target) {
        followed.push({ from: title, to: target });
        title = target;
      }
      return title;
    });
    return { resolved, normalized, followed };
  };

  const search = (lang: string, params: URLSearchParams) => {
    const query = (params.get('gsrsearch') ?? '').toLowerCase();
    const words = query.split(/\s+/).filter(Boolean);
    const limit = Number(params.get('gsrlimit') ?? 10);
    const candidates = [...pages.keys(), ...redirects.keys()];
    const scored = candidates
      .map((title) => {
        const text = `${title} ${pages.get(title)?.extract ?? ''}`.toLowerCase();
        if (words.length === 0 || !words.every((w) => text.includes(w))) return undefined;
        const score = title.toLowerCase() === query ? 0 : title.toLowerCase().includes(query) ? 1 : 2;
        return { title, score };
      })
      .filter((hit): hit is { title: string; score: number } => hit !== undefined)
      .sort((a, b) => a.score - b.score || a.title.localeCompare(b.title))
      .slice(0, limit);
    if (scored.length === 0) return { batchcomplete: true };
    const { resolved, followed } = resolve(
      scored.map((s) => s.title),
      params.get('redirects') === '1',
    );
    const seen = new Map<string, number>();
    resolved.forEach((title, i) => {
      if (!seen.has(title)) seen.set(title, i + 1);
    });
    return {
      batchcomplete: true,
      query: {
        ...(followed.length > 0
          ? { redirects: followed.map((r) => ({ index: seen.get(r.to) ?? 0, ...r })) }
          : {}),
        pages: [...seen].map(([title, index]) => {
          const page = pages.get(title);
          return {
            ...info(lang, title),
            index,
            ...(page?.disambiguation ? { pageprops: { disambiguation: '' } } : {}),
          };
        }),
      },
    };
  };

  const extracts = (lang: string, params: URLSearchParams) => {
    const { resolved, normalized, followed } = resolve(
      (params.get('titles') ?? '').split('|'),
      params.get('redirects') === '1',
    );
    return {
      batchcomplete: true,
      query: {
        ...(normalized.length > 0 ? { normalized } : {}),
        ...(followed.length > 0 ? { redirects: followed } : {}),
        pages: resolved.map((title) => {
          const page = pages.get(title);
          return page ? { ...info(lang, title), extract: page.extract } : info(lang, title);
        }),
      },
    };
  };

  const links = (params: URLSearchParams) => {
    const limit = Number(params.get('pllimit') ?? 10);
    const { resolved } = resolve((params.get('titles') ?? '').split('|'), false);
    return {
      batchcomplete: true,
      query: {
        pages: resolved.map((title) => {
          const page = pages.get(title);
          if (!page) return { ns: 0, title, missing: true };
          return {
            pageid: page.pageid,
            ns: 0,
            title,
            links: (page.links ?? []).slice(0, limit).map((t) => ({ ns: 0, title: t })),
          };
        }),
      },
    };
  };

  const opensearch = (lang: string, params: URLSearchParams) => {
    const query = (params.get('search') ?? '').toLowerCase();
    const limit = Number(params.get('limit') ?? 10);
    const fuzzy = params.get('profile') === 'fuzzy';
    const titles = [...pages.keys()]
      .map((title) => ({ title, distance: levenshtein(query, title.toLowerCase()) }))
      .filter(({ title, distance }) => title.toLowerCase().startsWith(query) || (fuzzy && distance <= 3))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, limit)
      .map((t) => t.title);
    return [params.get('search') ?? '', titles, titles.map(() => ''), titles.map((t) => fullUrl(lang, t))];
  };

  const answer = (lang: string, params: URLSearchParams): unknown => {
    if (params.get('format') !== 'json') return { error: { code: 'badformat', info: 'use format=json' } };
    if (params.get('action') === 'opensearch') return opensearch(lang, params);
    if (params.get('action') !== 'query')
      return { error: { code: 'badvalue', info: `Unrecognized value for parameter "action"` } };
    if (params.get('generator') === 'search') return search(lang, params);
    const props = (params.get('prop') ?? '').split('|');
    if (props.includes('extracts')) return extracts(lang, params);
    if (props.includes('links')) return links(params);
    return { error: { code: 'invalidparammix', info: 'not served by this contract server' } };
  };

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = /^\/([a-z][a-z0-9-]*)\/w\/api\.php$/.exec(url.pathname);
    if (!match || request.method !== 'GET') {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>Not Found</title>');
      return;
    }
    const lang = match[1] as string;
    const params = url.searchParams;
    requests.push({ lang, params, userAgent: request.headers['user-agent'], at: Date.now() });
    const fault = faults.find((f) => f.times > 0 && (f.match?.(params) ?? true));
    if (fault) {
      fault.times--;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status > 0) {
        response
          .writeHead(fault.status, { 'content-type': 'text/html; charset=utf-8', ...fault.headers })
          .end(
            `<!DOCTYPE html><html><head><title>Wikimedia Error</title></head><body>${fault.status}</body></html>`,
          );
        return;
      }
    }
    response
      .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify(answer(lang, params)));
  });
  const { url, stop } = await listenOnLoopback(server);
  return { apiUrl: `${url}/{lang}/w/api.php`, host: new URL(url).host, requests, faults, stop };
}
