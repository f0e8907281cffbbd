/** serverless.yml and the route table must describe the same API, and every handler must exist. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROUTES } from '../../shared/http/routes';

interface FunctionSpec {
  handler: string;
  memorySize?: number;
  timeout?: number;
  events?: { httpApi?: string }[];
}

const config = parse(readFileSync('serverless.yml', 'utf8'), {
  customTags: [{ tag: '!Ref', resolve: (v: string) => v }],
}) as {
  provider: { runtime: string };
  functions: Record<string, FunctionSpec>;
  custom: { esbuild: { exclude: string[] } };
};

describe('serverless.yml', () => {
  it('declares exactly the routes of the route table, plus the catch-all', () => {
    const declared = Object.entries(config.functions).flatMap(([name, fn]) =>
      (fn.events ?? []).map((e) => ({ name, route: e.httpApi })),
    );
    const expected = ROUTES.map((r) => ({ name: r.functionName, route: `${r.method} ${r.path}` }));
    expect(declared.filter((d) => d.route !== '*')).toEqual(expected);
    expect(declared.find((d) => d.route === '*')?.name).toBe('notFound');
  });

  it('points every function at a handler module that exists, with its own memory and timeout', () => {
    for (const fn of Object.values(config.functions)) {
      const file = `${fn.handler.replace(/\.handler$/, '')}.ts`;
      expect(existsSync(file), file).toBe(true);
      expect(fn.memorySize).toBeGreaterThan(0);
      expect(fn.timeout).toBeLessThanOrEqual(29);
    }
  });

  it('runs on nodejs22.x and leaves the model runtime to the layer', () => {
    expect(config.provider.runtime).toBe('nodejs22.x');
    expect(config.custom.esbuild.exclude).toEqual(
      expect.arrayContaining(['@huggingface/transformers', 'onnxruntime-node', 'sharp']),
    );
  });
});
