/** Cost estimates from the price table: GB-seconds of configured memory, the request, GPU seconds, tokens. */
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../shared/costs/cost-estimate';
import { PRICE_TABLE } from '../../shared/costs/price-table';

describe('estimateCost', () => {
  it('charges the configured memory for the elapsed time, and one Lambda request', () => {
    // Act: 2 GB for 1.5 s is 3 GB-seconds.
    const cost = estimateCost({ memoryMb: 2048, computeMs: 1500 });
    // Assess
    expect(cost).toEqual({ compute_gb_s: 3, usd: 0.0000502001 });
    expect(cost.usd).toBeCloseTo(3 * 0.0000166667 + 0.2 / 1_000_000, 10);
  });

  it('bills whole milliseconds, as Lambda does', () => {
    expect(estimateCost({ memoryMb: 1024, computeMs: 0.2 }).compute_gb_s).toBe(0.001);
  });

  it('adds the GPU seconds at the GPU price, and tokens at theirs (none for self-hosted models)', () => {
    // Act
    const cost = estimateCost({
      memoryMb: 1024,
      computeMs: 1000,
      gpuMs: 3600_000,
      tokensIn: 10,
      tokensOut: 5,
    });
    // Assess
    expect(cost).toMatchObject({ compute_gb_s: 1, gpu_s: 3600, tokens_in: 10, tokens_out: 5 });
    expect(cost.usd).toBeCloseTo(1.006 + 0.0000166667 + 0.0000002, 8);
    expect(PRICE_TABLE.usdPer1kInputTokens).toBe(0);
    const priced = estimateCost(
      { memoryMb: 1024, computeMs: 0, tokensIn: 2000, tokensOut: 1000 },
      { ...PRICE_TABLE, usdPer1kInputTokens: 0.5, usdPer1kOutputTokens: 1.5 },
    );
    expect(priced.usd).toBeCloseTo(2.5000002, 7);
  });
});
