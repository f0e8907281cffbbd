/**
 * Noise schedulers, from the scheduler config shipped with the model: DDIM (eta 0, deterministic) and Euler
 * (discrete) for Stable Diffusion, and DDPM (ancestral, seeded) for the small pixel-space diffusion model.
 * All use the "leading" timestep spacing of SD 1.5's config; the betas are linear, scaled linear, or the
 * offset cosine schedule (`squaredcos_cap_v2`, offset 0.008, as diffusers names it).
 */
import * as z from '../schema';

export const SchedulerConfig = z.object({
  beta_start: z.number().check(z.positive()),
  beta_end: z.number().check(z.positive()),
  beta_schedule: z.enum(['scaled_linear', 'linear', 'squaredcos_cap_v2']),
  num_train_timesteps: z.number().check(z.int(), z.positive()),
  steps_offset: z._default(z.number().check(z.int(), z.minimum(0)), 0),
  set_alpha_to_one: z._default(z.boolean(), false),
  prediction_type: z._default(z.literal('epsilon'), 'epsilon'),
});
export type SchedulerConfig = z.output<typeof SchedulerConfig>;

export const SCHEDULER_NAMES = ['ddim', 'euler'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

export interface Scheduler {
  readonly name: SchedulerName | 'ddpm';
  /** The timesteps the UNet is called at, in order. */
  readonly timesteps: readonly number[];
  /** Multiplies the initial Gaussian latents. */
  readonly initNoiseSigma: number;
  /** Scales the latents before they enter the UNet at step `index`. */
  scaleModelInput(latents: Float32Array, index: number): Float32Array;
  /** The latents of the next step from the current ones and the predicted noise. */
  step(noise: Float32Array, index: number, latents: Float32Array): Float32Array;
}

/** ᾱ(t) of the offset cosine schedule (Nichol & Dhariwal 2021), offset s = 0.008. */
const cosineAlphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;

function alphasCumprod(config: SchedulerConfig): Float64Array {
  const n = config.num_train_timesteps;
  const betas = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (config.beta_schedule === 'squaredcos_cap_v2') {
      betas[i] = Math.min(1 - cosineAlphaBar((i + 1) / n) / cosineAlphaBar(i / n), 0.999);
      continue;
    }
    const f = n === 1 ? 0 : i / (n - 1);
    betas[i] =
      config.beta_schedule === 'scaled_linear'
        ? (Math.sqrt(config.beta_start) + f * (Math.sqrt(config.beta_end) - Math.sqrt(config.beta_start))) **
          2
        : config.beta_start + f * (config.beta_end - config.beta_start);
  }
  const cumprod = new Float64Array(n);
  let product = 1;
  for (let i = 0; i < n; i++) {
    product *= 1 - (betas[i] as number);
    cumprod[i] = product;
  }
  return cumprod;
}

/** "leading" spacing: step_ratio = T / steps, t_i = i·ratio + offset, from high noise to low. */
function leadingTimesteps(config: SchedulerConfig, steps: number): number[] {
  const ratio = Math.floor(config.num_train_timesteps / steps);
  return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio + config.steps_offset);
}

function createDdimScheduler(config: SchedulerConfig, steps: number): Scheduler {
  const cumprod = alphasCumprod(config);
  const ratio = Math.floor(config.num_train_timesteps / steps);
  const finalAlpha = config.set_alpha_to_one ? 1 : (cumprod[0] as number);
  const timesteps = leadingTimesteps(config, steps);
  return {
    name: 'ddim',
    timesteps,
    initNoiseSigma: 1,
    scaleModelInput: (latents) => latents,
    step(noise, index, latents) {
      const t = timesteps[index] as number;
      const prev = t - ratio;
      const alpha = cumprod[t] as number;
      const alphaPrev = prev >= 0 ? (cumprod[prev] as number) : finalAlpha;
      const out = new Float32Array(latents.length);
      const sqrtAlpha = Math.sqrt(alpha);
      const sqrtOneMinus = Math.sqrt(1 - alpha);
      const sqrtAlphaPrev = Math.sqrt(alphaPrev);
      const direction = Math.sqrt(1 - alphaPrev);
      for (let i = 0; i < latents.length; i++) {
        const eps = noise[i] as number;
        const x0 = ((latents[i] as number) - sqrtOneMinus * eps) / sqrtAlpha;
        out[i] = sqrtAlphaPrev * x0 + direction * eps;
      }
      return out;
    },
  };
}

function createEulerScheduler(config: SchedulerConfig, steps: number): Scheduler {
  const cumprod = alphasCumprod(config);
  const timesteps = leadingTimesteps(config, steps);
  const sigmas = [
    ...timesteps.map((t) => Math.sqrt((1 - (cumprod[t] as number)) / (cumprod[t] as number))),
    0,
  ];
  const maxSigma = Math.max(...sigmas);
  return {
    name: 'euler',
    timesteps,
    // diffusers: with "leading" spacing the initial sigma is sqrt(σmax² + 1)
    initNoiseSigma: Math.sqrt(maxSigma ** 2 + 1),
    scaleModelInput(latents, index) {
      const scale = 1 / Math.sqrt((sigmas[index] as number) ** 2 + 1);
      return latents.map((x) => x * scale);
    },
    step(noise, index, latents) {
      const dt = (sigmas[index + 1] as number) - (sigmas[index] as number);
      return latents.map((x, i) => x + (noise[i] as number) * dt);
    },
  };
}

/**
 * DDPM's ancestral sampler over `steps` of the training timesteps: the predicted clean sample (clipped to
 * [-1, 1]) and the posterior of the step before, plus `noise()` scaled by its standard deviation.
 */
export function createDdpmScheduler(config: SchedulerConfig, steps: number, noise: () => number): Scheduler {
  const cumprod = alphasCumprod(config);
  const ratio = Math.floor(config.num_train_timesteps / steps);
  const timesteps = leadingTimesteps(config, steps);
  return {
    name: 'ddpm',
    timesteps,
    initNoiseSigma: 1,
    scaleModelInput: (latents) => latents,
    step(eps, index, sample) {
      const t = timesteps[index] as number;
      const prev = t - ratio;
      const alpha = cumprod[t] as number;
      const alphaPrev = prev >= 0 ? (cumprod[prev] as number) : 1;
      const beta = 1 - alpha / alphaPrev;
      const x0Coefficient = (Math.sqrt(alphaPrev) * beta) / (1 - alpha);
      const xtCoefficient = (Math.sqrt(1 - beta) * (1 - alphaPrev)) / (1 - alpha);
      const deviation = prev >= 0 ? Math.sqrt((beta * (1 - alphaPrev)) / (1 - alpha)) : 0;
      const out = new Float32Array(sample.length);
      for (let i = 0; i < sample.length; i++) {
        const x = sample[i] as number;
        const x0 = Math.min(
          1,
          Math.max(-1, (x - Math.sqrt(1 - alpha) * (eps[i] as number)) / Math.sqrt(alpha)),
        );
        out[i] = x0Coefficient * x0 + xtCoefficient * x + (deviation > 0 ? deviation * noise() : 0);
      }
      return out;
    },
  };
}

export function createScheduler(name: SchedulerName, config: SchedulerConfig, steps: number): Scheduler {
  return name === 'ddim' ? createDdimScheduler(config, steps) : createEulerScheduler(config, steps);
}
