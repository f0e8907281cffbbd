/**
 * `npm run docs:config`: writes the configuration tables of docs/configuration.md and infra/gpu/README.md from the
 * variables' declarations (shared/config/environment.ts, infra/gpu/config.ts), between their markers.
 * `npm run docs:config -- --check` changes nothing and exits 1 when a table differs from its declarations
 * (the unit tests check the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GPU_VARIABLES } from '../infra/gpu/config';
import { APP_VARIABLES, SCRIPT_VARIABLES } from '../shared/config/environment';
import { replaceBetweenMarkers, type Variables, variablesTable } from '../shared/config/variables';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface GeneratedTable {
  /** The markdown file, relative to the repository root. */
  readonly file: string;
  /** The name in its markers. */
  readonly name: string;
  readonly variables: Variables;
  readonly table: string;
}

export const GENERATED_TABLES: readonly GeneratedTable[] = [
  {
    file: 'docs/configuration.md',
    name: 'functions configuration',
    variables: APP_VARIABLES,
    table: variablesTable(APP_VARIABLES, { defaultHeading: 'default (local / Lambda)' }),
  },
  {
    file: 'docs/configuration.md',
    name: 'scripts configuration',
    variables: SCRIPT_VARIABLES,
    table: variablesTable(SCRIPT_VARIABLES, { configuresHeading: 'read by' }),
  },
  {
    file: 'infra/gpu/README.md',
    name: 'GPU service configuration',
    variables: GPU_VARIABLES,
    table: variablesTable(GPU_VARIABLES),
  },
];

/** Each file as it is, and as it would be with its tables generated. */
export function configDocuments(root = ROOT): { file: string; current: string; generated: string }[] {
  const files = [...new Set(GENERATED_TABLES.map((t) => t.file))];
  return files.map((file) => {
    const current = readFileSync(path.join(root, file), 'utf8');
    const generated = GENERATED_TABLES.filter((t) => t.file === file).reduce(
      (text, t) => replaceBetweenMarkers(text, t.name, t.table),
      current,
    );
    return { file, current, generated };
  });
}

if (import.meta.filename === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { file, current, generated } of configDocuments()) {
    if (current === generated) {
      console.log(`${file}: up to date`);
    } else if (check) {
      stale++;
      console.error(
        `${file}: its configuration table differs from the declarations; run npm run docs:config`,
      );
    } else {
      writeFileSync(path.join(ROOT, file), generated);
      console.log(`${file}: configuration table written`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
