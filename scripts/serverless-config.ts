/** Reads serverless.yml, keeping CloudFormation intrinsic functions (!Ref, !Sub, !GetAtt) as plain values. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import * as z from '../shared/schema';

/** An HTTP API route in its long form, with the authorizer that guards it. */
const HttpApiEvent = z.looseObject({
  method: z.string(),
  path: z.string(),
  authorizer: z.optional(z.looseObject({ name: z.string() })),
});

/** The parts of serverless.yml the scripts and tests read; anything else is kept as it is. */
const ServerlessFunction = z.looseObject({
  handler: z.string(),
  memorySize: z.optional(z.number()),
  timeout: z.optional(z.number()),
  /** /tmp in MB (512 when absent). */
  ephemeralStorageSize: z.optional(z.number()),
  /** Layer ARNs, or `!Ref`s to the layers of the stack (`{Ref: name}`). */
  layers: z.optional(z.array(z.unknown())),
  environment: z.optional(z.record(z.string(), z.unknown())),
  /** The statements of the function's own role (serverless-iam-roles-per-function). */
  iamRoleStatements: z.optional(z.array(z.unknown())),
  events: z.optional(z.array(z.looseObject({ httpApi: z.optional(z.union([z.string(), HttpApiEvent])) }))),
});
export type ServerlessFunction = z.output<typeof ServerlessFunction>;

const ServerlessConfig = z.looseObject({
  provider: z.looseObject({
    runtime: z.string(),
    layers: z.optional(z.array(z.unknown())),
    memorySize: z.optional(z.number()),
  }),
  functions: z.record(z.string(), ServerlessFunction),
  custom: z.looseObject({
    esbuild: z.looseObject({
      exclude: z.array(z.string()),
      minify: z.optional(z.boolean()),
      keepNames: z.optional(z.boolean()),
      splitting: z.optional(z.boolean()),
      chunkNames: z.optional(z.string()),
    }),
    modelS3Uri: z.optional(z.unknown()),
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

/** `METHOD /path` of an httpApi event, in either of its forms. */
export const httpRouteOf = (event: string | { method: string; path: string }): string =>
  typeof event === 'string' ? event : `${event.method} ${event.path}`;
