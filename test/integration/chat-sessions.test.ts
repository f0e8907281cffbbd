/** Chat memory: bounded in turns and tokens, expiring, and never losing a concurrent turn. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundTurns, createSessionStore, type Turn } from '../../shared/chat/session-store';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';

const blobsIn = () => createLocalBlobStore({ root: mkdtempSync(path.join(os.tmpdir(), 'chat-sessions-')) });
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
const limits = { maxTurns: 3, maxTokens: 1_000, ttlMs: 60_000 };

describe('session memory', () => {
  it('keeps the newest turns within the turn limit, oldest dropped first', async () => {
    // Prepare
    const sessions = createSessionStore({ blobs: blobsIn(), prefix: 's/', limits });
    // Act
    for (let i = 1; i <= 5; i++)
      await sessions.append('a', { user: `question ${i}`, reply: `answer ${i}`, route: 'llm' });
    // Assess
    expect((await sessions.history('a')).map((t) => t.user)).toEqual([
      'question 3',
      'question 4',
      'question 5',
    ]);
  });

  it('keeps the newest turns within the token budget', () => {
    // Prepare: each turn costs 4 words
    const turns: Turn[] = [1, 2, 3, 4].map((i) => ({
      user: `q ${i}`,
      reply: `a ${i}`,
      route: 'llm',
      at: '',
    }));
    // Act
    const kept = boundTurns(turns, { maxTurns: 10, maxTokens: 9 }, words);
    // Assess
    expect(kept.map((t) => t.user)).toEqual(['q 3', 'q 4']);
    expect(boundTurns(turns, { maxTurns: 10, maxTokens: 3 }, words)).toEqual([]);
  });

  it('counts tokens with the tokenizer it is given', async () => {
    const sessions = createSessionStore({
      blobs: blobsIn(),
      prefix: 's/',
      limits: { ...limits, maxTurns: 10, maxTokens: 12 },
      countTokens: async () => words,
    });
    for (let i = 1; i <= 4; i++)
      await sessions.append('b', { user: `one two ${i}`, reply: `three four ${i}`, route: 'llm' });
    expect((await sessions.history('b')).length).toBe(2);
  });

  it('forgets a session unused for longer than its time to live', async () => {
    // Prepare
    let now = new Date('2026-01-01T00:00:00Z');
    const sessions = createSessionStore({ blobs: blobsIn(), prefix: 's/', limits, now: () => now });
    await sessions.append('c', { user: 'hello', reply: 'hi', route: 'llm' });
    // Act
    now = new Date(now.getTime() + 59_000);
    const fresh = await sessions.history('c');
    now = new Date(now.getTime() + 2_000);
    const expired = await sessions.history('c');
    await sessions.append('c', { user: 'again', reply: 'hello again', route: 'llm' });
    // Assess
    expect(fresh).toHaveLength(1);
    expect(expired).toEqual([]);
    expect((await sessions.history('c')).map((t) => t.user)).toEqual(['again']);
  });

  it('keeps every one of 20 turns sent at once to one session', async () => {
    // Prepare
    const sessions = createSessionStore({
      blobs: blobsIn(),
      prefix: 's/',
      limits: { ...limits, maxTurns: 50 },
    });
    // Act
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sessions.append('d', { user: `turn ${i}`, reply: 'ok', route: 'llm' }),
      ),
    );
    // Assess
    const users = (await sessions.history('d')).map((t) => t.user).sort();
    expect(users).toEqual(Array.from({ length: 20 }, (_, i) => `turn ${i}`).sort());
  });

  it('starts over a session whose object cannot be read, and forgets sessions', async () => {
    const blobs = blobsIn();
    const sessions = createSessionStore({ blobs, prefix: 's/', limits });
    await blobs.put('s/e.json', '{not json');
    expect(await sessions.history('e')).toEqual([]);
    await sessions.append('e', { user: 'hello', reply: 'hi', route: 'llm' });
    expect(await sessions.history('e')).toHaveLength(1);
    expect(await sessions.forget('e')).toBe(true);
    expect(await sessions.forget('e')).toBe(false);
    expect(await sessions.history('e')).toEqual([]);
  });
});
