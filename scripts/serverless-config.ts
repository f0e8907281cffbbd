/** Reads serverless.yml, keeping CloudFormation intrinsic functions (!Ref, !Sub, !GetAtt) as plain values. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/** The parts of serverless.yml the scripts and tests read; anything else is kept as it is. */
const ServerlessFunction = z.looseObject({
  handler: z.string(),
  memorySize: z.number().optional(),
  timeout: z.number().optional(),
  /** /tmp in MB (512 when absent). */
  ephemeralStorageSize: z.number().optional(),
  /** Layer ARNs, or `!Ref`s to the stack's layers (`{Ref: name}`). */
  layers: z.array(z.unknown()).optional(),
  environment: z.record(z.string(), z.unknown()).optional(),
  events: z.array(z.looseObject({ httpApi: z.string().optional() })).optional(),
});
export type ServerlessFunction = z.output<typeof ServerlessFunction>;

const ServerlessConfig = z.looseObject({
  provider: z.looseObject({
    runtime: z.string(),
    layers: z.array(z.unknown()).optional(),
    memorySize: z.number().optional(),
  }),
  functions: z.record(z.string(), ServerlessFunction),
  custom: z.looseObject({
    esbuild: z.looseObject({ exclude: z.array(z.string()) }),
    modelS3Uri: z.unknown().optional(),
  }),
});
export type ServerlessConfig = z.output<typeof ServerlessConfig>;

const cloudFormationTags = ['!Ref', '!Sub', '!GetAtt'].map((tag) => ({
  tag,
  resolve: (value: string) => ({ [tag.slice(1)]: value }),
}));

export function readServerlessConfig(
  projectRoot = path.resolve(import.meta.dirname, '..'),
): ServerlessConfig {
  const text = readFileSync(path.join(projectRoot, 'serverless.yml'), 'utf8');
  return ServerlessConfig.parse(parse(text, { customTags: cloudFormationTags }));
}

/** The logical id a `!Ref` names. */
export const refName = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'Ref' in value
    ? String((value as { Ref: unknown }).Ref)
    : String(value);
