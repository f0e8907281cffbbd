/**
 * A service never sees a Lambda event: only the HTTP layer (shared/http) and the functions read them. This
 * scans every module of the project outside those two for an import of `aws-lambda`'s types.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['shared', 'scripts', 'infra', 'layers'];
const ALLOWED = [path.join('shared', 'http')];
const IMPORTS_AWS_LAMBDA =
  /\bfrom\s+['"]aws-lambda['"]|\bimport\s*\(\s*['"]aws-lambda['"]\s*\)|require\(\s*['"]aws-lambda['"]\s*\)/;

function typeScriptFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : typeScriptFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

describe('event boundary', () => {
  it('finds the modules it is meant to scan', () => {
    // Assess: the scan reads the services (a wrong root would find nothing and pass)
    expect(typeScriptFiles('shared')).toContain(path.join('shared', 'vision', 'image-input.ts'));
  });

  it('no module outside shared/http and functions imports aws-lambda', () => {
    // Prepare
    const files = SCANNED.flatMap(typeScriptFiles).filter(
      (file) => !ALLOWED.some((dir) => file.startsWith(`${dir}${path.sep}`)),
    );
    // Act
    const offenders = files.filter((file) =>
      IMPORTS_AWS_LAMBDA.test(readFileSync(path.join(ROOT, file), 'utf8')),
    );
    // Assess
    expect(offenders).toEqual([]);
  });

  it('recognizes the import forms it forbids', () => {
    expect(IMPORTS_AWS_LAMBDA.test("import type { S3Event } from 'aws-lambda';")).toBe(true);
    expect(IMPORTS_AWS_LAMBDA.test('const m = await import("aws-lambda");')).toBe(true);
    expect(IMPORTS_AWS_LAMBDA.test("import { z } from 'zod';")).toBe(false);
  });
});
