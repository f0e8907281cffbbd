import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/environment';
import { ConfigurationError } from '../../shared/errors';

describe('loadConfig', () => {
  it('reads Wikipedia per language by default, and refuses an API URL that is not http(s)', () => {
    expect(loadConfig({}).research).toMatchObject({
      wikipediaApiUrl: 'https://{lang}.wikipedia.org/w/api.php',
      maxAttempts: 3,
      maxArticleChars: 100_000,
      stateMachineArn: undefined,
    });
    expect(
      loadConfig({ WIKIPEDIA_API_URL: 'http://127.0.0.1:8080/{lang}/w/api.php' }).research.wikipediaApiUrl,
    ).toBe('http://127.0.0.1:8080/{lang}/w/api.php');
    expect(() => loadConfig({ WIKIPEDIA_API_URL: 'ftp://wiki' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ RESEARCHER_STATE_MACHINE_ARN: 'researcher' })).toThrow(/state machine ARN/);
  });

  it('defaults to the auto profile, ./models and remote loads when run locally', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      runningOnLambda: false,
      modelProfile: 'auto',
      modelRoot: path.resolve('models'),
      allowRemoteModels: true,
      warmUp: false,
    });
  });

  it('defaults to standard models from the layer, /tmp caches and no downloads on Lambda', () => {
    const config = loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'fn' });
    expect(config).toMatchObject({
      runningOnLambda: true,
      modelProfile: 'standard',
      modelRoot: '/opt/models',
      modelCacheDir: '/tmp/models',
      allowRemoteModels: false,
      warmUp: true,
    });
  });

  it('treats serverless-offline as local and empty variables as unset', () => {
    const config = loadConfig({
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      IS_OFFLINE: 'true',
      MODEL_PROFILE: '',
      MODEL_ROOT: '',
    });
    expect(config.modelProfile).toBe('auto');
    expect(config.modelRoot).toBe(path.resolve('models'));
  });

  it('allows a job three claims by default, and between 1 and 10', () => {
    expect(loadConfig({}).jobs.maxAttempts).toBe(3);
    expect(loadConfig({ JOB_MAX_ATTEMPTS: '1' }).jobs.maxAttempts).toBe(1);
    expect(() => loadConfig({ JOB_MAX_ATTEMPTS: '0' })).toThrow(/JOB_MAX_ATTEMPTS/);
    expect(() => loadConfig({ JOB_MAX_ATTEMPTS: '11' })).toThrow(/JOB_MAX_ATTEMPTS/);
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ MODEL_PROFILE: 'large', MAX_BODY_BYTES: '-1' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ MODEL_PROFILE: 'large', MAX_BODY_BYTES: '-1' })).toThrow(
      /MODEL_PROFILE.*MAX_BODY_BYTES/,
    );
  });
});
