import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from '../../shared/config/environment';

describe('loadConfig', () => {
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

  it('names every invalid variable', () => {
    expect(() => loadConfig({ MODEL_PROFILE: 'large', MAX_BODY_BYTES: '-1' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ MODEL_PROFILE: 'large', MAX_BODY_BYTES: '-1' })).toThrow(
      /MODEL_PROFILE.*MAX_BODY_BYTES/,
    );
  });
});
