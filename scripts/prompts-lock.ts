/**
 * `npm run prompts:lock`: records the SHA-256 of every prompt version the lock file does not hold yet
 * (shared/prompts/prompts.lock.json). A released version whose text changed is never re-recorded: the
 * script names it and exits 1, since its answers could no longer be traced; add a new version instead.
 * `--check` writes nothing and exits 1 when a version is changed or not recorded (the unit tests check the same).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lockProblems, PROMPT_LOCK_FILE, promptHashes } from '../shared/prompts/registry';

const file = path.resolve(import.meta.dirname, '..', PROMPT_LOCK_FILE);
const lock: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
const { changed, unlocked } = lockProblems(lock);

for (const id of changed)
  console.error(`${id} changed since it was locked: add a new version instead of editing ${id}`);
if (process.argv.includes('--check')) {
  for (const id of unlocked) console.error(`${id} is not locked: run npm run prompts:lock`);
  process.exit(changed.length + unlocked.length > 0 ? 1 : 0);
}
if (unlocked.length > 0) {
  const hashes = promptHashes();
  const next = { ...lock, ...Object.fromEntries(unlocked.map((id) => [id, hashes[id] as string])) };
  const sorted = Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
  for (const id of unlocked) console.log(`locked ${id}`);
} else if (changed.length === 0) console.log('every prompt version is locked');
process.exit(changed.length > 0 ? 1 : 0);
