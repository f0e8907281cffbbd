/**
 * Says whether onnxruntime-node's native library is loaded after importing the modules that describe models
 * and the ones that run the onnxruntime models, and again after the first session. Prints one JSON line.
 *
 * Usage: node --import tsx test/helpers/native-runtime-probe.ts <model.onnx>
 */
import process from 'node:process';

const loaded = () =>
  (process.report.getReport() as { sharedObjects: string[] }).sharedObjects.some((file) =>
    /onnxruntime_binding\.node$/.test(file),
  );

await import('../../shared/models/model-plan');
await import('../../shared/models/onnx-sessions');
await import('../../shared/diffusion/image-generator');
await import('../../shared/vqa/vqa-providers');
const afterImports = loaded();
const { createOnnxSession } = await import('../../shared/models/onnx-sessions');
const { session, executionProvider } = await createOnnxSession(process.argv[2] as string);
await session.release();
console.log(JSON.stringify({ afterImports, afterSession: loaded(), executionProvider }));
