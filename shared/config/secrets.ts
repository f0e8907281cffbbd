/** Secrets come from configuration: the value itself (local runs) or an SSM SecureString parameter (AWS). */

import { loadOnce } from '../load-once';

export type SecretSource = { readonly value: string } | { readonly parameter: string };

export async function readSecret(source: SecretSource): Promise<string> {
  if ('value' in source) return source.value;
  // The SSM client loads only where a secret is read from SSM (deployed), not with every function.
  const { GetParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
  const ssm = new SSMClient({});
  try {
    const { Parameter } = await ssm.send(
      new GetParameterCommand({ Name: source.parameter, WithDecryption: true }),
    );
    if (!Parameter?.Value) throw new Error(`SSM parameter ${source.parameter} is empty`);
    return Parameter.Value;
  } finally {
    ssm.destroy();
  }
}

/** A secret read once, on first use; a failed read is retried by the next caller. */
export const lazySecret = (source: SecretSource): (() => Promise<string>) =>
  loadOnce(() => readSecret(source));
