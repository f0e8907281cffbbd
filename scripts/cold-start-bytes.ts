/**
 * What a function's cold start parses: its handler file and the chunks it imports statically, followed
 * through the bundle's relative `import ... from "./x.mjs"` statements (never `import("./x.mjs")`, which
 * loads with its first use).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Static imports of relative files, as esbuild writes them (minified or not); not dynamic `import()`. */
const STATIC_IMPORT =
  /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g;

export function coldStartBytes(handlerFile: string): { bytes: number; files: number } {
  const seen = new Set<string>();
  const pending = [path.resolve(handlerFile)];
  let bytes = 0;
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    bytes += statSync(file).size;
    for (const match of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT))
      pending.push(path.resolve(path.dirname(file), match[1] as string));
  }
  return { bytes, files: seen.size };
}
