/**
 * A local server speaking Pinecone's data-plane REST contract (upsert, query, fetch, list by id prefix,
 * delete, describe_index_stats), for the real Pinecone client to talk to; Pinecone has no local edition here.
 * It checks the `api-key` header, keeps namespaces, evaluates metadata filters ($eq $ne $in $nin $gt $gte
 * $lt $lte $and $or) and scores by cosine similarity.
 */
import http from 'node:http';
import { listenOnLoopback } from './loopback';

type Metadata = Record<string, string | number | boolean | string[]>;
interface StoredVector {
  id: string;
  values: number[];
  metadata?: Metadata;
}

export interface PineconeContractServer {
  readonly url: string;
  readonly apiKey: string;
  readonly requests: { method: string; path: string }[];
  stop(): Promise<void>;
}

type Filter = Record<string, unknown>;

function matches(metadata: Metadata | undefined, filter: Filter | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return (condition as Filter[]).every((f) => matches(metadata, f));
    if (key === '$or') return (condition as Filter[]).some((f) => matches(metadata, f));
    const value = metadata?.[key];
    const ops =
      typeof condition === 'object' && condition !== null && !Array.isArray(condition)
        ? (condition as Filter)
        : { $eq: condition };
    return Object.entries(ops).every(([op, operand]) => {
      switch (op) {
        case '$eq':
          return value === operand;
        case '$ne':
          return value !== operand;
        case '$in':
          return (operand as unknown[]).includes(value);
        case '$nin':
          return !(operand as unknown[]).includes(value);
        case '$gt':
          return typeof value === 'number' && value > (operand as number);
        case '$gte':
          return typeof value === 'number' && value >= (operand as number);
        case '$lt':
          return typeof value === 'number' && value < (operand as number);
        case '$lte':
          return typeof value === 'number' && value <= (operand as number);
        default:
          throw new Error(`unsupported filter operator ${op}`);
      }
    });
  });
}

const cosine = (a: number[], b: number[]) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / (Math.sqrt(na * nb) || 1);
};

export async function startPineconeContractServer(
  apiKey = 'test-pinecone-key',
): Promise<PineconeContractServer> {
  const namespaces = new Map<string, Map<string, StoredVector>>();
  const requests: { method: string; path: string }[] = [];
  let dimension: number | undefined;
  const ns = (name: unknown) => {
    const key = typeof name === 'string' ? name : '';
    if (!namespaces.has(key)) namespaces.set(key, new Map());
    return namespaces.get(key) as Map<string, StoredVector>;
  };

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://local');
    requests.push({ method: request.method ?? '', path: url.pathname });
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers['api-key'] !== apiKey) {
      reply(401, { code: 16, message: 'Invalid API Key', details: [] });
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
      : {};
    try {
      if (request.method === 'POST' && url.pathname === '/vectors/upsert') {
        const vectors = body.vectors as StoredVector[];
        for (const v of vectors) {
          if (dimension !== undefined && v.values.length !== dimension) {
            reply(400, {
              code: 3,
              message: `Vector dimension ${v.values.length} does not match the dimension of the index ${dimension}`,
              details: [],
            });
            return;
          }
          dimension ??= v.values.length;
          ns(body.namespace).set(v.id, {
            id: v.id,
            values: v.values,
            ...(v.metadata ? { metadata: v.metadata } : {}),
          });
        }
        reply(200, { upsertedCount: vectors.length });
      } else if (request.method === 'POST' && url.pathname === '/query') {
        const vector = body.vector as number[];
        const found = [...ns(body.namespace).values()]
          .filter((v) => matches(v.metadata, body.filter as Filter | undefined))
          .map((v) => ({ v, score: cosine(vector, v.values) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, Number(body.topK));
        reply(200, {
          results: [],
          matches: found.map(({ v, score }) => ({
            id: v.id,
            score,
            values: body.includeValues ? v.values : [],
            ...(body.includeMetadata && v.metadata ? { metadata: v.metadata } : {}),
          })),
          namespace: body.namespace ?? '',
          usage: { readUnits: 5 },
        });
      } else if (request.method === 'GET' && url.pathname === '/vectors/fetch') {
        const store = ns(url.searchParams.get('namespace') ?? '');
        const vectors = Object.fromEntries(
          url.searchParams.getAll('ids').flatMap((id) => (store.has(id) ? [[id, store.get(id)]] : [])),
        );
        reply(200, { vectors, namespace: url.searchParams.get('namespace') ?? '', usage: { readUnits: 1 } });
      } else if (request.method === 'GET' && url.pathname === '/vectors/list') {
        // Ids in sorted order, up to `limit` (100) a page, continued by an opaque pagination token.
        const namespace = url.searchParams.get('namespace') ?? '';
        const prefix = url.searchParams.get('prefix') ?? '';
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const after = url.searchParams.get('paginationToken');
        const ids = [...ns(namespace).keys()]
          .filter((id) => id.startsWith(prefix))
          .sort()
          .filter((id) => !after || id > Buffer.from(after, 'base64url').toString());
        const page = ids.slice(0, limit);
        const last = page.at(-1);
        reply(200, {
          vectors: page.map((id) => ({ id })),
          ...(ids.length > limit && last
            ? { pagination: { next: Buffer.from(last).toString('base64url') } }
            : {}),
          namespace,
          usage: { readUnits: 1 },
        });
      } else if (request.method === 'POST' && url.pathname === '/vectors/delete') {
        const store = ns(body.namespace);
        if (body.deleteAll) store.clear();
        for (const id of (body.ids as string[] | undefined) ?? []) store.delete(id);
        if (body.filter) {
          for (const [id, v] of store) if (matches(v.metadata, body.filter as Filter)) store.delete(id);
        }
        reply(200, {});
      } else if (request.method === 'POST' && url.pathname === '/describe_index_stats') {
        const summary = Object.fromEntries(
          [...namespaces].map(([name, store]) => [name, { vectorCount: store.size }]),
        );
        const total = [...namespaces.values()].reduce((sum, store) => sum + store.size, 0);
        reply(200, {
          namespaces: summary,
          dimension: dimension ?? 0,
          indexFullness: 0,
          totalVectorCount: total,
          metric: 'cosine',
          vectorType: 'dense',
        });
      } else {
        reply(404, { code: 5, message: `Not found: ${request.method} ${url.pathname}`, details: [] });
      }
    } catch (error) {
      reply(400, { code: 3, message: (error as Error).message, details: [] });
    }
  });
  return { ...(await listenOnLoopback(server)), apiKey, requests };
}
