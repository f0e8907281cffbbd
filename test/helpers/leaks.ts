/**
 * What no response may show a client: absolute paths of this machine (the temp and data directories, the
 * checkout), Node's internal modules, file URLs and stack frames. Every error response that the tests'
 * `invoke` sees is scanned, so each integration test that provokes an error also checks that it leaks nothing.
 */
import os from 'node:os';

const FIXED_MARKERS = ['/tmp/', '/work', 'node:internal', 'file://'];
const STACK_FRAME = /\bat (?:async )?[^\s()]*\s?\(?[^\s()]*:\d+:\d+\)?/;

/** The internals that `text` shows, by marker; empty when it shows none. */
export function internalsIn(text: string, extraMarkers: readonly string[] = []): string[] {
  const markers = [...FIXED_MARKERS, os.tmpdir(), process.cwd(), ...extraMarkers].filter(
    (marker) => marker.length > 1,
  );
  const found = markers.filter((marker) => text.includes(marker));
  if (STACK_FRAME.test(text)) found.push('stack frame');
  return [...new Set(found)];
}
