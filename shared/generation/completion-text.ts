/**
 * The completion's text as tokens arrive: decoded from all its tokens so far (so multi-byte characters and
 * merged pieces come out right), cut at the first stop sequence, and handed on in pieces that never take
 * back what was already sent: a piece holds back an unfinished character and any tail that could still
 * become a stop sequence.
 */

export interface CompletionText {
  /** Adds a generated token; answers true once a stop sequence has appeared (generation may end). */
  push(id: bigint): boolean;
  /** Hands on whatever was held back (the generation ended) and answers the whole completion. */
  finish(): string;
  /** Whether a stop sequence ended the completion. */
  readonly stopped: boolean;
}

/** Length of the longest tail of `text` that is the start of one of `stops` (it may still become one). */
function pendingStopLength(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops) {
    for (let n = Math.min(stop.length - 1, text.length); n > longest; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

function firstStop(text: string, stops: readonly string[]): number {
  let first = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at !== -1 && (first === -1 || at < first)) first = at;
  }
  return first;
}

export function createCompletionText(options: {
  decode: (ids: bigint[]) => string;
  stop?: readonly string[];
  onText?: (text: string) => void;
}): CompletionText {
  const stops = (options.stop ?? []).filter((s) => s.length > 0);
  const ids: bigint[] = [];
  let text = '';
  let sent = 0;
  let stopAt = -1;
  const send = (upTo: number) => {
    if (upTo > sent) {
      options.onText?.(text.slice(sent, upTo));
      sent = upTo;
    }
  };
  return {
    push(id) {
      if (stopAt !== -1) return true;
      ids.push(id);
      text = options.decode(ids);
      stopAt = firstStop(text, stops);
      if (stopAt !== -1) {
        send(stopAt);
        return true;
      }
      const unfinished = text.endsWith('\uFFFD') ? 1 : 0;
      send(text.length - Math.max(unfinished, pendingStopLength(text, stops)));
      return false;
    },
    finish() {
      const end = stopAt === -1 ? text.length : stopAt;
      send(end);
      return text.slice(0, end);
    },
    get stopped() {
      return stopAt !== -1;
    },
  };
}
