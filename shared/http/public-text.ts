/**
 * Text that may reach a client. Messages are written for clients, but some carry a cause's text (a
 * filesystem error, a loader's complaint), and those name this machine's directories, Node's internal
 * modules or stack frames. This is the last line of defence at the error-to-response mapping; the sources
 * should not put such text in client messages in the first place.
 */
import os from 'node:os';
import path from 'node:path';

const SYSTEM_ROOTS = [
  'tmp',
  'var',
  'home',
  'root',
  'work',
  'workspace',
  'workspaces',
  'usr',
  'opt',
  'etc',
  'proc',
  'dev',
  'mnt',
  'media',
  'srv',
  'app',
  'data',
  'Users',
  'Volumes',
  'private',
  'lib',
  'lib64',
  'run',
  'sys',
  'snap',
  'nix',
  'bin',
  'sbin',
  'boot',
  'builds',
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const firstSegment = (dir: string) => path.resolve(dir).split(path.sep).filter(Boolean)[0];

function absolutePathPattern(): RegExp {
  const roots = new Set(SYSTEM_ROOTS);
  for (const dir of [process.cwd(), os.tmpdir(), os.homedir()]) {
    const segment = firstSegment(dir);
    if (segment) roots.add(segment);
  }
  const alternatives = [...roots].map(escapeRegExp).join('|');
  // Not after a character that makes it part of a URL, a key or a relative path (s3://b/tmp/x, a/tmp/b).
  return new RegExp(
    `(?<![\\w.~/:%-])/(?:${alternatives})(?=[/\\s'"\`,;:)\\]}]|$)[^\\s'"\`,;:()<>\\]{}]*`,
    'g',
  );
}

let absolutePaths: RegExp | undefined;

const STACK_TAIL = /\n\s*at [\s\S]*$/;
const STACK_FRAME = /\s+at (?:async )?[^\s()]*\s?\(?[^\s()]*:\d+:\d+\)?/g;
const FILE_URL = /file:\/\/[^\s'"`,;()<>]*/g;
const NODE_INTERNAL = /node:internal[^\s'"`,;()<>]*/g;
const WINDOWS_PATH = /(?<![\w])[A-Za-z]:\\[^\s'"`,;()<>]*/g;

/** `text` without stack frames, file URLs, Node internals and absolute paths (each path becomes `<path>`). */
export function redactInternals(text: string): string {
  absolutePaths ??= absolutePathPattern();
  return text
    .replace(STACK_TAIL, '')
    .replace(STACK_FRAME, '')
    .replace(FILE_URL, '<path>')
    .replace(NODE_INTERNAL, '<internal>')
    .replace(WINDOWS_PATH, '<path>')
    .replace(absolutePaths, '<path>');
}
