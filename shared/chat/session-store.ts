/**
 * Chat memory: each session's recent turns as one object in the BlobStore, bounded in turns and in tokens,
 * and forgotten after a period without use. Turns are appended with conditional writes (ifNoneMatch for a
 * new session, ifMatch on the ETag read otherwise) and retried on a lost race, so two turns of one session
 * sent at once are both kept.
 */

import { PreconditionFailedError, SessionBusyError } from '../errors';
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';

export const SessionId = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'use 1 to 128 letters, digits, ".", "_", ":" or "-"'),
  );

/** Longest text kept of one side of a turn: memory is context, not an archive. */
export const MAX_TURN_CHARS = 2_000;

const Turn = z.object({
  user: z.string(),
  reply: z.string(),
  route: z.string(),
  at: z.string(),
});
export type Turn = z.output<typeof Turn>;

const StoredSession = z.object({
  version: z.literal(1),
  sessionId: z.string(),
  turns: z.array(Turn),
  updatedAt: z.string(),
  expiresAt: z.string(),
});
type StoredSession = z.output<typeof StoredSession>;

export interface SessionLimits {
  /** Most turns kept; older ones are dropped first. */
  readonly maxTurns: number;
  /** Most tokens the kept turns may hold together; older turns are dropped first. */
  readonly maxTokens: number;
  /** A session unused for this long is forgotten. */
  readonly ttlMs: number;
}

export interface SessionStore {
  /** The kept turns, oldest first; none for an unknown or expired session. */
  history(sessionId: string): Promise<Turn[]>;
  /** Appends a turn, keeping the bounds; a concurrent append is never lost. */
  append(sessionId: string, turn: Omit<Turn, 'at'>): Promise<Turn[]>;
  /** Forgets the session; says whether there was one. */
  forget(sessionId: string): Promise<boolean>;
}

const MAX_ATTEMPTS = 12;

/** About 4 characters a token, as for English with GPT-2's or BERT's vocabulary. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/** Whatever the turns cost in tokens, newest kept first, within both limits. */
export function boundTurns(
  turns: readonly Turn[],
  limits: Pick<SessionLimits, 'maxTurns' | 'maxTokens'>,
  countTokens: (text: string) => number,
): Turn[] {
  const kept: Turn[] = [];
  let tokens = 0;
  for (const turn of [...turns].reverse()) {
    if (kept.length >= limits.maxTurns) break;
    const cost = countTokens(turn.user) + countTokens(turn.reply);
    if (tokens + cost > limits.maxTokens) break;
    tokens += cost;
    kept.unshift(turn);
  }
  return kept;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const clip = (text: string) => (text.length <= MAX_TURN_CHARS ? text : `${text.slice(0, MAX_TURN_CHARS)}…`);

export function createSessionStore(deps: {
  blobs: BlobStore;
  prefix: string;
  limits: SessionLimits;
  /** Counts tokens as the budget is meant (the router's tokenizer); about 4 characters a token if absent. */
  countTokens?: () => Promise<(text: string) => number>;
  now?: () => Date;
}): SessionStore {
  const now = deps.now ?? (() => new Date());
  const keyOf = (sessionId: string) => `${deps.prefix}${SessionId.parse(sessionId)}.json`;

  async function read(sessionId: string) {
    const blob = await deps.blobs.get(keyOf(sessionId));
    if (!blob) return undefined;
    const parsed = StoredSession.safeParse(parseJson(blob.body.toString('utf8')));
    // A session that cannot be read is started over rather than failing every later turn.
    const session = parsed.success ? parsed.data : undefined;
    const live = session && Date.parse(session.expiresAt) > now().getTime() ? session : undefined;
    return { etag: blob.etag, session: live };
  }

  return {
    async history(sessionId) {
      return (await read(sessionId))?.session?.turns ?? [];
    },
    async append(sessionId, turn) {
      const countTokens = deps.countTokens ? await deps.countTokens() : estimateTokens;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await read(sessionId);
        const at = now();
        const turns = boundTurns(
          [
            ...(current?.session?.turns ?? []),
            { user: clip(turn.user), reply: clip(turn.reply), route: turn.route, at: at.toISOString() },
          ],
          deps.limits,
          countTokens,
        );
        const next: StoredSession = {
          version: 1,
          sessionId,
          turns,
          updatedAt: at.toISOString(),
          expiresAt: new Date(at.getTime() + deps.limits.ttlMs).toISOString(),
        };
        try {
          await deps.blobs.put(keyOf(sessionId), JSON.stringify(next), {
            contentType: 'application/json',
            ...(current ? { ifMatch: current.etag } : { ifNoneMatch: '*' }),
          });
          return turns;
        } catch (error) {
          if (!(error instanceof PreconditionFailedError)) throw error;
          // Another turn of this session was written first: read it and append again, after a short jitter.
          await new Promise((resolve) =>
            setTimeout(resolve, Math.random() * Math.min(100, 5 * 2 ** attempt)),
          );
        }
      }
      throw new SessionBusyError(
        `chat session '${sessionId}' is being written by too many turns at once; send this turn again`,
        { retryAfterSeconds: 1 },
      );
    },
    async forget(sessionId) {
      const key = keyOf(sessionId);
      const existed = (await deps.blobs.etag(key)) !== undefined;
      await deps.blobs.delete(key);
      return existed;
    },
  };
}
