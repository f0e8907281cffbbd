import { describe, expect, it } from 'vitest';
import { createDdpmScheduler, createScheduler, SchedulerConfig } from '../../shared/diffusion/schedulers';

const cosine = SchedulerConfig.parse({
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'squaredcos_cap_v2',
  num_train_timesteps: 1000,
  set_alpha_to_one: true,
});
const alphaBar = (t: number) =>
  Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2 / Math.cos((0.008 / 1.008) * (Math.PI / 2)) ** 2;

describe('the offset cosine schedule and the DDPM sampler', () => {
  it('DDIM on the cosine schedule recovers a clean sample from its noised version and the true noise', () => {
    // Prepare: x_t = √ᾱ x0 + √(1 − ᾱ) ε at the scheduler's first timestep, with ᾱ from the closed form
    const scheduler = createScheduler('ddim', cosine, 10);
    const t = scheduler.timesteps[0] as number;
    expect(t).toBe(900);
    const a = alphaBar((t + 1) / 1000);
    const x0 = Float32Array.of(0.5, -0.25, 0.75);
    const eps = Float32Array.of(1, -1, 0.3);
    let x: Float32Array = x0.map((v, i) => Math.sqrt(a) * v + Math.sqrt(1 - a) * (eps[i] as number));
    // Act: every step given the noise that was added
    for (let i = 0; i < scheduler.timesteps.length; i++) {
      const at = alphaBar(((scheduler.timesteps[i] as number) + 1) / 1000);
      const noise = x.map((v, j) => (v - Math.sqrt(at) * (x0[j] as number)) / Math.sqrt(1 - at));
      x = scheduler.step(noise, i, x);
    }
    // Assess
    for (let i = 0; i < x0.length; i++) expect(x[i]).toBeCloseTo(x0[i] as number, 3);
  });

  it('DDPM adds the seeded noise it is given at every step but the last', () => {
    let draws = 0;
    const scheduler = createDdpmScheduler(cosine, 5, () => {
      draws++;
      return 0;
    });
    let x: Float32Array = Float32Array.of(0.1, 0.2);
    for (let i = 0; i < 5; i++) x = scheduler.step(new Float32Array(2), i, x);
    expect(draws).toBe(4 * 2);
    expect(scheduler.timesteps).toEqual([800, 600, 400, 200, 0]);
  });
});
