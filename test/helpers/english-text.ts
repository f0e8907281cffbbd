/** Deterministic ordinary English prose of any length, for chunking and summarization tests and benchmarks. */

const SUBJECTS = [
  'The lighthouse keeper',
  'A young engineer',
  'The city council',
  'Our neighbour',
  'The research team',
  'A travelling musician',
  'The old librarian',
  'Every student in the class',
];
const VERBS = [
  'repaired',
  'described',
  'discovered',
  'questioned',
  'painted',
  'measured',
  'explained',
  'visited',
];
const OBJECTS = [
  'the broken bridge near the harbour',
  'a forgotten map of the northern valley',
  'the results of last year’s experiment',
  'the schedule for the autumn festival',
  'an unusual pattern in the weather reports',
  'the quiet garden behind the museum',
  'a letter written almost a century ago',
  'the cost of the new railway line',
];
const ENDINGS = [
  'before the sun went down',
  'with great care and patience',
  'while the rain kept falling',
  'to the surprise of everyone present',
  'after a long and difficult week',
  'in front of a small audience',
];

/** The `i`-th sentence: about 150 characters, varied, ending with a full stop. */
export function englishSentence(i: number): string {
  const pick = <T>(list: readonly T[], step: number) => list[(i * step + (i >> 3)) % list.length] as T;
  return `${pick(SUBJECTS, 1)} ${pick(VERBS, 3)} ${pick(OBJECTS, 5)} ${pick(ENDINGS, 7)}, and then wrote a short note number ${i} about it in the log.`;
}

/** `count` sentences separated by single spaces. */
export function englishSentences(count: number): string {
  return Array.from({ length: count }, (_, i) => englishSentence(i)).join(' ');
}

/** At least `characters` characters of prose (whole sentences), paragraphs every ten sentences. */
export function englishDocument(characters: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < characters; i++) {
    const sentence = englishSentence(i) + (i % 10 === 9 ? '\n\n' : ' ');
    parts.push(sentence);
    length += sentence.length;
  }
  return parts.join('').trimEnd();
}
