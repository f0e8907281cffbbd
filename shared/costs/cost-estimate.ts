/**
 * What one request cost, estimated from the price table: the function's configured memory times the time
 * it took (GB-seconds, as Lambda bills), one Lambda request, the GPU service's seconds, and tokens at their
 * price (0 for self-hosted models). The HTTP layer computes it once per request, from one measurement,
 * for the response (`cost`), the metrics (`cost_usd`), the audit record and the key's compute budget.
 */
import * as z from '../schema';
import { PRICE_TABLE, type PriceTable } from './price-table';

export const CostEstimate = z.object({
  /** The estimate in US dollars. */
  usd: z.number().check(z.minimum(0)),
  /** Configured memory in GB times the handler's elapsed seconds. */
  compute_gb_s: z.number().check(z.minimum(0)),
  /** Seconds of work on the GPU service, where the route used it. */
  gpu_s: z.optional(z.number().check(z.minimum(0))),
  /** Input and output tokens, where the route counts them. */
  tokens_in: z.optional(z.number().check(z.int(), z.minimum(0))),
  tokens_out: z.optional(z.number().check(z.int(), z.minimum(0))),
});
export type CostEstimate = z.output<typeof CostEstimate>;

export interface CostInputs {
  /** The function's configured memory, in MB. */
  readonly memoryMb: number;
  /** The handler's elapsed time, in milliseconds (Lambda bills whole milliseconds). */
  readonly computeMs: number;
  readonly gpuMs?: number;
  readonly tokensIn?: number;
  readonly tokensOut?: number;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

export function estimateCost(inputs: CostInputs, prices: PriceTable = PRICE_TABLE): CostEstimate {
  const computeGbS = round((inputs.memoryMb / 1024) * (Math.ceil(inputs.computeMs) / 1000), 6);
  const gpuS = inputs.gpuMs === undefined ? undefined : round(inputs.gpuMs / 1000, 3);
  const usd =
    computeGbS * prices.lambdaUsdPerGbSecond +
    prices.lambdaUsdPerRequest +
    (gpuS ?? 0) * prices.gpuUsdPerSecond +
    ((inputs.tokensIn ?? 0) / 1000) * prices.usdPer1kInputTokens +
    ((inputs.tokensOut ?? 0) / 1000) * prices.usdPer1kOutputTokens;
  return {
    usd: round(usd, 10),
    compute_gb_s: computeGbS,
    ...(gpuS === undefined ? {} : { gpu_s: gpuS }),
    ...(inputs.tokensIn === undefined ? {} : { tokens_in: inputs.tokensIn }),
    ...(inputs.tokensOut === undefined ? {} : { tokens_out: inputs.tokensOut }),
  };
}
