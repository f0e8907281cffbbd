import { MODEL_KEYS, type ModelKey } from '../shared/models/catalog';

/** Model keys named on a command line (all of them when none is); exits 2 naming any unknown key. */
export function modelKeysFromArguments(positionals: readonly string[]): readonly ModelKey[] {
  const unknown = positionals.filter((p) => !(MODEL_KEYS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    console.error(`unknown model key(s): ${unknown.join(', ')}; known: ${MODEL_KEYS.join(', ')}`);
    process.exit(2);
  }
  return positionals.length > 0 ? (positionals as ModelKey[]) : MODEL_KEYS;
}
