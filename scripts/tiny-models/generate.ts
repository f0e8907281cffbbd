/**
 * Writes the tiny models named by the catalog under a model root, each folder replaced atomically so that a
 * reader never sees a half-written model.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MODEL_CATALOG, MODEL_KEYS, type ModelKey } from '../../shared/models/catalog';
import { tinyBlip2 } from './blip2';
import { tinyCifarCnn, tinyDcgan, tinyDdpm, tinyEbm } from './classic';
import { tinyStableDiffusion } from './diffusion';
import { type ModelFiles, TINY_MODELS } from './models';

/** Bytes of every file under `dir` (external data included). */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

export interface GeneratedModel {
  /** The catalog key, or `component` for models outside the catalog. */
  readonly key: ModelKey | 'component';
  readonly id: string;
  readonly dir: string;
  readonly bytes: number;
  readonly ms: number;
}

/** Writes a model folder under a staging name, then renames it into place; returns the bytes written. */
export async function writeFolderAtomically(dir: string, files: ModelFiles): Promise<number> {
  const staging = `${dir}.staging-${randomUUID()}`;
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(staging, relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const data =
      content instanceof Uint8Array
        ? content
        : typeof content === 'function'
          ? content(target)
          : JSON.stringify(content, null, 1);
    await fs.writeFile(target, data);
  }
  const bytes = await folderBytes(staging);
  const retired = `${dir}.retired-${randomUUID()}`;
  await fs.rename(dir, retired).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await fs.rename(staging, dir);
  await fs.rm(retired, { recursive: true, force: true });
  return bytes;
}

/**
 * Tiny models that run on onnxruntime directly (the catalog's diffusion and BLIP-2 entries), by folder id,
 * plus the optimum layout of the diffusion export, which the tests also run.
 */
export const TINY_COMPONENT_MODELS: Record<string, () => ModelFiles> = {
  [MODEL_CATALOG.diffusion.tiny.id]: () => tinyStableDiffusion('diffusers'),
  'tiny-random/stable-diffusion-optimum': () => tinyStableDiffusion('optimum'),
  [MODEL_CATALOG.vqa.tiny.id]: tinyBlip2,
  [MODEL_CATALOG['cifar-cnn'].tiny.id]: tinyCifarCnn,
  [MODEL_CATALOG.gan.tiny.id]: tinyDcgan,
  [MODEL_CATALOG.ddpm.tiny.id]: tinyDdpm,
  [MODEL_CATALOG.ebm.tiny.id]: tinyEbm,
};

/** Writes the component models (diffusion, ...) under `modelRoot`. */
export async function generateTinyComponentModels(modelRoot: string): Promise<GeneratedModel[]> {
  const generated: GeneratedModel[] = [];
  for (const [id, build] of Object.entries(TINY_COMPONENT_MODELS)) {
    const started = performance.now();
    const dir = path.join(modelRoot, id);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    const bytes = await writeFolderAtomically(dir, build());
    generated.push({ key: 'component', id, dir, bytes, ms: performance.now() - started });
  }
  return generated;
}

/** Generates the tiny model for each key (all by default) under `modelRoot`. */
export async function generateTinyModels(
  modelRoot: string,
  keys: readonly ModelKey[] = MODEL_KEYS,
): Promise<GeneratedModel[]> {
  const generated: GeneratedModel[] = [];
  for (const key of keys) {
    const started = performance.now();
    const { id, generator } = MODEL_CATALOG[key].tiny;
    const dir = path.join(modelRoot, id);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    const bytes = await writeFolderAtomically(dir, TINY_MODELS[generator]());
    generated.push({ key, id, dir, bytes, ms: performance.now() - started });
  }
  return generated;
}
