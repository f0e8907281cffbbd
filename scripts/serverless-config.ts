/** Reads serverless.yml, keeping CloudFormation intrinsic functions (!Ref, !Sub, !GetAtt) as plain values. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface ServerlessFunction {
  handler: string;
  memorySize?: number;
  timeout?: number;
  layers?: string[];
  environment?: Record<string, unknown>;
  events?: { httpApi?: string }[];
}

export interface ServerlessConfig {
  provider: { runtime: string; layers?: string[] };
  functions: Record<string, ServerlessFunction>;
  custom: { esbuild: { exclude: string[] }; modelS3Uri?: unknown };
}

const cloudFormationTags = ['!Ref', '!Sub', '!GetAtt'].map((tag) => ({
  tag,
  resolve: (value: string) => ({ [tag.slice(1)]: value }),
}));

export function readServerlessConfig(
  projectRoot = path.resolve(import.meta.dirname, '..'),
): ServerlessConfig {
  const text = readFileSync(path.join(projectRoot, 'serverless.yml'), 'utf8');
  return parse(text, { customTags: cloudFormationTags }) as ServerlessConfig;
}

/** The logical id a `!Ref` names. */
export const refName = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'Ref' in value
    ? String((value as { Ref: unknown }).Ref)
    : String(value);
