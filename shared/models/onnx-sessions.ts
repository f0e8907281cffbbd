/**
 * The one place onnxruntime sessions are created for the graphs that run on onnxruntime directly (Stable
 * Diffusion, BLIP-2, the FAISS store's IVF list assignment; transformers.js creates its own inside
 * `pipeline-factory.ts`): which execution provider to try, the session options, and the loading of
 * onnxruntime-node itself, which happens at the first session so that a module that only names or describes
 * models never loads the native runtime.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { loadOnce } from '../load-once';

export type ExecutionProvider = 'cuda' | 'cpu';
export type OnnxRuntime = typeof Ort;

/** onnxruntime-node, imported on first use and shared by every later caller (a failed import is retried). */
export const onnxRuntime: () => Promise<OnnxRuntime> = loadOnce(() => import('onnxruntime-node'));

/**
 * CUDA when onnxruntime-node's CUDA provider library is installed beside its binding (the GPU image installs
 * it at build time), CPU otherwise: trying CUDA without the library only prints errors. Looks at files only.
 */
export function availableProviders(): ExecutionProvider[] {
  try {
    const binding = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
    const native = path.join(binding, '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(path.join(native, 'libonnxruntime_providers_cuda.so')) ? ['cuda', 'cpu'] : ['cpu'];
  } catch {
    return ['cpu'];
  }
}

/** Options of every session; the execution provider is added per attempt. */
const SESSION_OPTIONS: Ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  // onnxruntime's warnings (unused initializers, nodes placed on the CPU) are noise in a service's log.
  logSeverityLevel: 3,
};

export interface OnnxSession {
  readonly session: Ort.InferenceSession;
  /** The provider the session runs on, which results report. */
  readonly executionProvider: ExecutionProvider;
}

export interface OnnxSessionOptions {
  /** Tried in order; the first that opens the graph wins. `availableProviders()` when absent. */
  readonly executionProviders?: readonly ExecutionProvider[];
  /** Threads of one operator (onnxruntime's default: one per core). */
  readonly intraOpThreads?: number;
  /** What errors call a graph given as bytes. */
  readonly name?: string;
}

/** The graph's folder and file name (`unet/model.onnx`), enough to say which graph failed. */
const graphName = (file: string) => `${path.basename(path.dirname(file))}/${path.basename(file)}`;

/**
 * Opens an ONNX graph, a file or the bytes of a ModelProto (a graph written in code, such as the IVF
 * assignment's), on the first execution provider that can run it.
 */
export async function createOnnxSession(
  model: string | Uint8Array,
  options: OnnxSessionOptions = {},
): Promise<OnnxSession> {
  const ort = await onnxRuntime();
  const providers = options.executionProviders ?? availableProviders();
  const failures: string[] = [];
  let lastError: unknown;
  for (const provider of providers) {
    try {
      const sessionOptions = {
        ...SESSION_OPTIONS,
        ...(options.intraOpThreads !== undefined && { intraOpNumThreads: options.intraOpThreads }),
        executionProviders: [provider],
      };
      const session =
        typeof model === 'string'
          ? await ort.InferenceSession.create(model, sessionOptions)
          : await ort.InferenceSession.create(model, sessionOptions);
      return { session, executionProvider: provider };
    } catch (error) {
      lastError = error;
      failures.push(`${provider}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const name = typeof model === 'string' ? graphName(model) : (options.name ?? 'a graph given as bytes');
  throw new Error(
    providers.length === 0
      ? `cannot open ${name}: no execution provider to try`
      : `cannot open ${name} (${failures.join('; ')})`,
    { cause: lastError },
  );
}
