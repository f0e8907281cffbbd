/**
 * Prompt injection and jailbreak attempts, as patterns: phrasings that ask a model to drop its instructions,
 * show them, take on an unrestricted persona, or that forge the role markers of a chat template. Each has a
 * name, which a verdict reports (never the matched text). docs/operations.md lists them.
 */

export interface Heuristic {
  readonly name: string;
  readonly pattern: RegExp;
}

export const INJECTION_HEURISTICS: readonly Heuristic[] = [
  {
    name: 'ignore_instructions',
    pattern:
      /\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+)*(?:previous|prior|above|earlier|preceding|system|original)\s+(?:instructions?|prompts?|rules|directions|guidelines|context)\b/i,
  },
  {
    name: 'reveal_system_prompt',
    pattern:
      /\b(?:reveal|show|print|repeat|output|leak|tell me)\s+(?:me\s+)?(?:your|the)\s+(?:system|hidden|initial|original|secret)\s+(?:prompt|instructions|message)\b/i,
  },
  {
    name: 'unrestricted_persona',
    pattern:
      /\b(?:you are now|act as|pretend (?:to be|you are)|from now on you are)\b[^.\n]{0,60}\b(?:DAN|unrestricted|unfiltered|uncensored|jailbroken|without (?:any )?(?:rules|restrictions|limits|filters))\b/i,
  },
  { name: 'do_anything_now', pattern: /\b(?:do anything now|DAN mode|developer mode (?:enabled|on))\b/i },
  {
    name: 'disable_safety',
    pattern:
      /\b(?:disable|turn off|ignore|bypass)\s+(?:your\s+|the\s+|all\s+)*(?:safety|content|moderation)\s+(?:filters?|policy|policies|guidelines|rules)\b/i,
  },
  {
    name: 'forged_role_marker',
    pattern:
      /(?:<\|im_start\|>\s*system|\[\/?INST\]|<<SYS>>|^\s*(?:system|assistant)\s*:|^#{2,}\s*(?:system|instruction)\b)/im,
  },
];

/** The names of the heuristics that `text` matches. */
export function matchInjectionHeuristics(text: string): string[] {
  return INJECTION_HEURISTICS.filter(({ pattern }) => pattern.test(text)).map(({ name }) => name);
}
