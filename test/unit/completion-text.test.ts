import { describe, expect, it } from 'vitest';
import { createCompletionText } from '../../shared/generation/completion-text';

/** A decoder over a fixed vocabulary: token i is PIECES[i]. */
const PIECES = ['Hello', ' wor', 'ld', '\n', 'Us', 'er:', ' again', '\uFFFD', 'é'];
const decode = (ids: bigint[]) => {
  const text = ids.map((id) => PIECES[Number(id)]).join('');
  // A lone half of a character decodes to U+FFFD until its other half arrives.
  return text.replace('\uFFFDé', 'é');
};

function feed(ids: number[], stop?: string[]) {
  const sent: string[] = [];
  const text = createCompletionText({ decode, ...(stop ? { stop } : {}), onText: (t) => sent.push(t) });
  let ended = false;
  for (const id of ids) ended = text.push(BigInt(id)) || ended;
  return { sent, ended, completion: text.finish(), stopped: text.stopped };
}

describe('the completion as tokens arrive', () => {
  it('hands on each piece as it is decoded; the pieces make the completion', () => {
    const { sent, completion } = feed([0, 1, 2]);
    expect(sent).toEqual(['Hello', ' wor', 'ld']);
    expect(completion).toBe('Hello world');
  });

  it('ends before the first stop sequence, holding back what could still become one', () => {
    const { sent, completion, stopped, ended } = feed([0, 3, 4, 5, 6], ['\nUser:']);
    expect(sent).toEqual(['Hello']);
    expect(completion).toBe('Hello');
    expect(stopped).toBe(true);
    expect(ended).toBe(true);
  });

  it('sends a held-back tail once it can no longer become a stop sequence', () => {
    const { sent, completion, stopped } = feed([0, 3, 6], ['\nUser:']);
    expect(sent.join('')).toBe('Hello\n again');
    expect(sent).toEqual(['Hello', '\n again']);
    expect(completion).toBe('Hello\n again');
    expect(stopped).toBe(false);
  });

  it('never sends half a character', () => {
    const { sent } = feed([0, 7, 8]);
    expect(sent).toEqual(['Hello', 'é']);
  });
});
