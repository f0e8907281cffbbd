/**
 * The PyTorch exports of infra/classic write exactly the ONNX contracts the routes load: each runs on random
 * weights into a model root, and its route then serves the standard model from there. Needs a Python with
 * torch and onnx (Debian: python3-torch python3-onnx; .ci/run installs them); without one the suite says
 * so and runs none of these.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHandler as classifyImage } from '../../functions/classify-image/handler';
import { createHandler as diffusionGenerate } from '../../functions/diffusion-generate/handler';
import { createHandler as ebmGenerate } from '../../functions/ebm-generate/handler';
import { createHandler as ganGenerate } from '../../functions/gan-generate/handler';
import { PROJECT_ROOT } from '../../scripts/local-server';
import { composeClassicModels } from '../../shared/app/classic-models';
import { composeJobWork } from '../../shared/app/jobs';
import { createImageClassifier } from '../../shared/classic/image-classifier';
import { MODEL_CATALOG } from '../../shared/models/catalog';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';
import { gradient } from '../helpers/images';

/** The first Python that imports torch and onnx: PYTORCH_PYTHON, then `python3`, then Debian's own. */
function pythonWithTorch(): string | undefined {
  const candidates = [process.env.PYTORCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string =>
    Boolean(c),
  );
  return candidates.find(
    (python) => spawnSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0,
  );
}

const python = pythonWithTorch();
if (!python) {
  console.warn(
    'pytorch-exports: no Python with torch and onnx (install python3-torch python3-onnx, or set PYTORCH_PYTHON): the export checks do not run',
  );
}

const root = mkdtempSync(path.join(os.tmpdir(), 'pytorch-exports-'));
const exported = (script: string, id: string) => {
  execFileSync(
    python as string,
    [path.join(PROJECT_ROOT, 'infra/classic', script), '--random-weights', '--out', path.join(root, id)],
    { stdio: 'pipe', timeout: 120_000 },
  );
};
const standard = () => testDependencies({ MODEL_PROFILE: 'standard', MODEL_ROOT: root });
const post = <T>(handler: ReturnType<typeof ganGenerate>, route: string, body: unknown) =>
  invoke<T>(handler, httpEvent('POST', route, { body }));

interface Images {
  images: { png_base64: string }[];
  model: { id: string; profile: string };
}

describe.runIf(python)('PyTorch exports load through their routes', () => {
  it('export_cnn.py: POST /classify-image with the cifar10 slot', async () => {
    exported('export_cnn.py', MODEL_CATALOG['cifar-cnn'].standard.id);
    const deps = standard();
    const handler = classifyImage({
      ...deps,
      classifier: createImageClassifier({
        runtime: deps.runtime,
        models: composeClassicModels(deps),
        limits: deps.config.images,
      }),
    });
    const png = await gradient('png', 80, 60);
    const response = await post<{ labels: unknown[]; model: { id: string; profile: string } }>(
      handler,
      '/classify-image',
      { image_base64: png.toString('base64'), model: 'cifar10', top_k: 10 },
    );
    expect(response.statusCode).toBe(200);
    expect(response.body.labels).toHaveLength(10);
    expect(response.body.model).toMatchObject({ id: 'user/cifar10-cnn', profile: 'standard' });
  }, 180_000);

  it.each([
    ['export_gan.py', 'gan', '/gan/generate', ganGenerate, { count: 2, seed: 1 }],
    [
      'export_ddpm.py',
      'ddpm',
      '/diffusion/generate',
      diffusionGenerate,
      { steps: 4, sampler: 'ddpm', seed: 1 },
    ],
    ['export_ebm.py', 'ebm', '/ebm/generate', ebmGenerate, { steps: 5, seed: 1 }],
  ] as const)(
    '%s: %s through %s, the same bytes for the same seed',
    async (script, key, route, create, body) => {
      exported(script, MODEL_CATALOG[key].standard.id);
      const handler = create(composeJobWork(standard()));
      const first = await post<Images>(handler, route, body);
      const again = await post<Images>(handler, route, body);
      expect(first.statusCode).toBe(200);
      expect(first.body.model).toEqual({ id: MODEL_CATALOG[key].standard.id, profile: 'standard' });
      expect(again.body.images).toEqual(first.body.images);
    },
    180_000,
  );
});
