/**
 * Tiny random-weight graphs of the classic generative models, with exactly the ONNX contracts their routes
 * load and `infra/classic/export_*.py` write from trained PyTorch weights (see docs/models.md):
 *
 * - CIFAR-10 CNN `model.onnx`: `pixel_values` [B,3,64,64] -> `logits` [B,10]; two convolutions with max
 *   pooling, two fully connected layers.
 * - DCGAN generator `generator.onnx`: `z` [B,100] -> `images` [B,1,28,28] in [-1,1].
 * - DDPM `unet.onnx`: `sample` [B,3,32,32], `timestep` int64 [B] -> `noise_pred` [B,3,32,32].
 * - EBM `energy.onnx`: `x` [B,1,28,28] -> `energy` [B]; `gradient.onnx`: `x` -> `gradient` [B,1,28,28], the
 *   energy's gradient with respect to `x` (ONNX inference has no autograd, so the export writes it as a graph).
 */
import type { ModelFiles } from './models';
import { DType, Graph } from './onnx-graph';

export const CIFAR10_LABELS = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

const conv = (g: Graph, x: string, name: string, cin: number, cout: number, scale = 0.3) =>
  g.op('Conv', [x, g.random(`${name}.w`, [cout, cin, 3, 3], scale), g.random(`${name}.b`, [cout], 0.1)], {
    kernel_shape: [3, 3],
    pads: [1, 1, 1, 1],
  });

const dense = (g: Graph, x: string, name: string, cin: number, cout: number, scale = 0.3) =>
  g.op('Add', [
    g.op('MatMul', [x, g.random(`${name}.w`, [cin, cout], scale)]),
    g.random(`${name}.b`, [cout], 0.1),
  ]);

const maxPool = (g: Graph, x: string) => g.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });

function cifarCnn(): Uint8Array {
  const g = new Graph('cifar10_cnn', { seed: 31 });
  g.input('pixel_values', DType.FLOAT, ['batch', 3, 64, 64]);
  g.output('logits', DType.FLOAT, ['batch', 10]);
  let h = maxPool(g, g.op('Relu', [conv(g, 'pixel_values', 'conv1', 3, 4)]));
  h = maxPool(g, g.op('Relu', [conv(g, h, 'conv2', 4, 8)]));
  h = g.op('Flatten', [h], { axis: 1 });
  h = g.op('Relu', [dense(g, h, 'fc1', 8 * 16 * 16, 16, 0.05)]);
  g.op('Identity', [dense(g, h, 'fc2', 16, 10, 1.0)], {}, 'logits');
  return g.toBytes();
}

const upsample = (g: Graph, x: string, name: string, cin: number, cout: number) =>
  g.op('ConvTranspose', [x, g.random(`${name}.w`, [cin, cout, 4, 4], 0.3)], {
    kernel_shape: [4, 4],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
  });

function dcganGenerator(): Uint8Array {
  const g = new Graph('dcgan_generator', { seed: 32 });
  g.input('z', DType.FLOAT, ['batch', 100]);
  g.output('images', DType.FLOAT, ['batch', 1, 28, 28]);
  let h = g.op('Relu', [dense(g, 'z', 'project', 100, 4 * 7 * 7, 0.2)]);
  h = g.op('Reshape', [h, g.int64s([-1, 4, 7, 7])]);
  h = g.op('Relu', [upsample(g, h, 'up1', 4, 4)]);
  g.op('Tanh', [upsample(g, h, 'up2', 4, 1)], {}, 'images');
  return g.toBytes();
}

function ddpmUnet(): Uint8Array {
  const g = new Graph('ddpm_unet', { seed: 33 });
  g.input('sample', DType.FLOAT, ['batch', 3, 32, 32]);
  g.input('timestep', DType.INT64, ['batch']);
  g.output('noise_pred', DType.FLOAT, ['batch', 3, 32, 32]);
  const t = g.op('Unsqueeze', [g.op('Cast', ['timestep'], { to: DType.FLOAT }), g.int64s([1])]);
  const embedding = g.op('Sin', [
    g.op('MatMul', [g.op('Mul', [t, g.scalar(1 / 1000)]), g.random('temb', [1, 8], 3)]),
  ]);
  const h = g.op('Add', [conv(g, 'sample', 'in', 3, 8), g.op('Unsqueeze', [embedding, g.int64s([2, 3])])]);
  g.op('Identity', [conv(g, g.op('Relu', [h]), 'out', 8, 3, 0.2)], {}, 'noise_pred');
  return g.toBytes();
}

/** E(x) = Σ ½·a·x² + b·x with a > 0: its minimum is -b/a, and its gradient a·x + b. */
function energyTerms(g: Graph): { a: string; b: string } {
  const n = 28 * 28;
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = Math.floor(i / 28) - 13.5;
    const x = (i % 28) - 13.5;
    // A ring: its pixels are pulled towards white, the rest towards black.
    const ring = Math.abs(Math.hypot(x, y) - 8) < 2.5;
    a[i] = 1;
    b[i] = ring ? -0.8 : 0.8;
  }
  return { a: g.initializer('a', [1, 1, 28, 28], a), b: g.initializer('b', [1, 1, 28, 28], b) };
}

function ebmEnergy(): Uint8Array {
  const g = new Graph('ebm_energy', { seed: 34 });
  g.input('x', DType.FLOAT, ['batch', 1, 28, 28]);
  g.output('energy', DType.FLOAT, ['batch']);
  const { a, b } = energyTerms(g);
  const quadratic = g.op('Mul', [g.op('Mul', [g.op('Mul', ['x', 'x']), a]), g.scalar(0.5)]);
  const terms = g.op('Add', [quadratic, g.op('Mul', ['x', b])]);
  g.op('ReduceSum', [terms, g.int64s([1, 2, 3])], { keepdims: 0 }, 'energy');
  return g.toBytes();
}

function ebmGradient(): Uint8Array {
  const g = new Graph('ebm_gradient', { seed: 34 });
  g.input('x', DType.FLOAT, ['batch', 1, 28, 28]);
  g.output('gradient', DType.FLOAT, ['batch', 1, 28, 28]);
  const { a, b } = energyTerms(g);
  g.op('Add', [g.op('Mul', ['x', a]), b], {}, 'gradient');
  return g.toBytes();
}

export const tinyCifarCnn = (): ModelFiles => ({
  'config.json': { labels: CIFAR10_LABELS, image_size: 64, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
  'model.onnx': cifarCnn(),
});

export const tinyDcgan = (): ModelFiles => ({
  'config.json': { latent_dim: 100, image_size: 28, channels: 1 },
  'generator.onnx': dcganGenerator(),
});

export const tinyDdpm = (): ModelFiles => ({
  'config.json': {
    image_size: 32,
    channels: 3,
    num_train_timesteps: 1000,
    beta_schedule: 'squaredcos_cap_v2',
  },
  'unet.onnx': ddpmUnet(),
});

export const tinyEbm = (): ModelFiles => ({
  'config.json': { image_size: 28, channels: 1 },
  'energy.onnx': ebmEnergy(),
  'gradient.onnx': ebmGradient(),
});
