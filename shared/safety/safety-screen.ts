/**
 * Screens a route's texts, in or out, with each filter its policy turns on: personal data (patterns with
 * checksums), prompt injection (a classifier where one is composed, and the heuristics always), and toxicity
 * (a classifier). It returns the texts as they go on (redacted where the policy says so) and one verdict
 * per filter, or throws ContentBlockedError naming the filter and why, never the offending text.
 */
import { ContentBlockedError } from '../errors';
import { INJECTION_HEURISTICS, matchInjectionHeuristics } from './injection-heuristics';
import { findPii, redactPii } from './pii';
import type { FilterPolicies, SafetyFilterName, SafetyPolicy } from './policy';

export type Direction = 'input' | 'output';

/** A text classifier's probability, per text, that the text is what the filter looks for. */
export type SafetyClassifier = (texts: readonly string[]) => Promise<number[]>;

export interface SafetyClassifiers {
  readonly toxicity?: SafetyClassifier;
  readonly injection?: SafetyClassifier;
}

export interface SafetyVerdict {
  readonly filter: SafetyFilterName;
  readonly direction: Direction;
  readonly policy: SafetyPolicy;
  readonly verdict: 'pass' | 'flagged' | 'redacted' | 'blocked';
  /** What was found, by kind (`email`: 2) or heuristic name (`ignore_instructions`: 1). */
  readonly findings: Readonly<Record<string, number>>;
  /** The classifier's highest probability over the texts, where a classifier ran. */
  readonly score?: number;
}

/** Placeholder a redaction writes for text a classifier or a heuristic found (it has no finer spans). */
export const REMOVED = '[REMOVED]';

export interface SafetyScreen {
  screen(
    direction: Direction,
    texts: readonly string[],
    policies: FilterPolicies,
  ): Promise<{ texts: string[]; verdicts: SafetyVerdict[] }>;
}

export function createSafetyScreen(
  deps: { classifiers?: SafetyClassifiers; threshold?: number } = {},
): SafetyScreen {
  const threshold = deps.threshold ?? 0.5;
  const classifiers = deps.classifiers ?? {};

  const blocked = (filter: SafetyFilterName, direction: Direction, reason: string, findings: object) =>
    new ContentBlockedError(`the ${direction} was blocked by the ${filter} filter: ${reason}`, {
      fields: { filter, direction, reason, findings },
    });

  return {
    async screen(direction, input, policies) {
      let texts = [...input];
      const verdicts: SafetyVerdict[] = [];
      const verdictOf = (found: boolean, policy: SafetyPolicy) =>
        !found ? 'pass' : policy === 'redact' ? 'redacted' : policy === 'flag' ? 'flagged' : 'blocked';

      if (policies.pii !== 'off') {
        const perText = texts.map((text) => findPii(text));
        const findings: Record<string, number> = {};
        for (const f of perText.flat()) findings[f.kind] = (findings[f.kind] ?? 0) + 1;
        const found = perText.some((f) => f.length > 0);
        if (found && policies.pii === 'block')
          throw blocked('pii', direction, `personal data (${describe(findings)})`, findings);
        if (found && policies.pii === 'redact') texts = texts.map((text, i) => redactPii(text, perText[i]));
        verdicts.push({
          filter: 'pii',
          direction,
          policy: policies.pii,
          verdict: verdictOf(found, policies.pii),
          findings,
        });
      }

      if (policies.injection !== 'off') {
        const matched = texts.map((text) => matchInjectionHeuristics(text));
        const findings: Record<string, number> = {};
        for (const name of matched.flat()) findings[name] = (findings[name] ?? 0) + 1;
        const scores = classifiers.injection ? await classifiers.injection(texts) : undefined;
        if (scores?.some((s) => s >= threshold))
          findings.classifier = scores.filter((s) => s >= threshold).length;
        const hit = texts.map((_, i) => (matched[i]?.length ?? 0) > 0 || (scores?.[i] ?? 0) >= threshold);
        const found = hit.some(Boolean);
        if (found && policies.injection === 'block')
          throw blocked(
            'injection',
            direction,
            `a prompt injection or jailbreak attempt (${describe(findings)})`,
            findings,
          );
        if (found && policies.injection === 'redact')
          texts = texts.map((text, i) =>
            hit[i] ? redactInjection(text, scores?.[i] ?? 0, threshold) : text,
          );
        verdicts.push({
          filter: 'injection',
          direction,
          policy: policies.injection,
          verdict: verdictOf(found, policies.injection),
          findings,
          ...(scores ? { score: Math.max(0, ...scores) } : {}),
        });
      }

      if (policies.toxicity !== 'off') {
        if (!classifiers.toxicity)
          throw new Error('the toxicity filter is on but no toxicity classifier is composed');
        const scores = await classifiers.toxicity(texts);
        const hit = scores.map((s) => s >= threshold);
        const count = hit.filter(Boolean).length;
        const findings: Record<string, number> = count > 0 ? { toxic: count } : {};
        const score = Math.max(0, ...scores);
        if (count > 0 && policies.toxicity === 'block')
          throw blocked('toxicity', direction, `toxic language (score ${score.toFixed(2)})`, findings);
        if (count > 0 && policies.toxicity === 'redact')
          texts = texts.map((text, i) => (hit[i] ? REMOVED : text));
        verdicts.push({
          filter: 'toxicity',
          direction,
          policy: policies.toxicity,
          verdict: verdictOf(count > 0, policies.toxicity),
          findings,
          score,
        });
      }
      return { texts, verdicts };
    },
  };
}

/** The heuristics' spans removed; a text only the classifier found is removed whole. */
function redactInjection(text: string, score: number, threshold: number): string {
  let redacted = text;
  for (const { pattern } of INJECTION_HEURISTICS)
    redacted = redacted.replace(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`), REMOVED);
  return score >= threshold ? REMOVED : redacted;
}

const describe = (findings: Readonly<Record<string, number | undefined>>) =>
  Object.entries(findings)
    .map(([name, count]) => `${count} ${name}`)
    .join(', ');
