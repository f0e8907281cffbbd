/** The one factory of onnxruntime sessions: providers tried in order, the provider reported, a lazy runtime. */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableProviders, createOnnxSession } from '../../shared/models/onnx-sessions';

const root = process.env.MODEL_ROOT as string;
const textEncoder = path.join(root, 'tiny-random/stable-diffusion/text_encoder/model.onnx');

describe('createOnnxSession', () => {
  it('opens a graph on the CPU where no CUDA provider is installed, and says so', async () => {
    // Prepare
    expect(availableProviders()).toEqual(['cpu']);
    // Act
    const { session, executionProvider } = await createOnnxSession(textEncoder);
    // Assess
    expect(executionProvider).toBe('cpu');
    expect(session.inputNames).toEqual(['input_ids']);
    await session.release();
  });

  it('falls back to the next provider when one cannot start', async () => {
    const { session, executionProvider } = await createOnnxSession(textEncoder, {
      executionProviders: ['cuda', 'cpu'],
    });
    expect(executionProvider).toBe('cpu');
    await session.release();
  });

  it('names the graph and every provider tried when none can open it', async () => {
    const missing = path.join(root, 'tiny-random/stable-diffusion/unet/absent.onnx');
    const error = await createOnnxSession(missing, { executionProviders: ['cpu'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^cannot open unet\/absent\.onnx \(cpu: /);
  });

  it('opens a graph given as bytes, and names it when it cannot', async () => {
    const bytes = await readFile(textEncoder);
    const { session } = await createOnnxSession(new Uint8Array(bytes), { executionProviders: ['cpu'] });
    expect(session.inputNames).toEqual(['input_ids']);
    await session.release();
    const error = await createOnnxSession(Uint8Array.of(1, 2, 3), {
      executionProviders: ['cpu'],
      name: 'the IVF assignment graph',
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^cannot open the IVF assignment graph \(cpu: /);
  });

  it('loads onnxruntime-node at the first session, not when the model modules are imported', async () => {
    // Act: a fresh process, where nothing else has loaded the runtime
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/native-runtime-probe.ts', textEncoder],
      { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual({ afterImports: false, afterSession: true, executionProvider: 'cpu' });
  });
});
