/**
 * The prices cost estimates are computed from: on-demand list prices in us-east-1, as published by AWS
 * (Lambda: https://aws.amazon.com/lambda/pricing/, EC2: https://aws.amazon.com/ec2/pricing/on-demand/).
 * They are estimates for comparing routes and requests, not a bill: free tiers, Savings Plans, Arm
 * (Graviton) functions, API Gateway, S3, DynamoDB and data transfer are left out.
 */
export interface PriceTable {
  /** Lambda x86 compute, per GB-second of configured memory (first pricing tier). */
  readonly lambdaUsdPerGbSecond: number;
  /** Lambda requests: $0.20 per million. */
  readonly lambdaUsdPerRequest: number;
  /**
   * The GPU service, per second of GPU work: an on-demand g5.xlarge (one NVIDIA A10G, $1.006 an hour)
   * divided by 3600. An instance kept running between requests costs its idle time too, which no request
   * is charged.
   */
  readonly gpuUsdPerSecond: number;
  /** Per 1,000 input and output tokens: 0, since every model is self-hosted (its cost is the compute above). */
  readonly usdPer1kInputTokens: number;
  readonly usdPer1kOutputTokens: number;
}

export const PRICE_TABLE: PriceTable = {
  lambdaUsdPerGbSecond: 0.0000166667,
  lambdaUsdPerRequest: 0.2 / 1_000_000,
  gpuUsdPerSecond: 1.006 / 3600,
  usdPer1kInputTokens: 0,
  usdPer1kOutputTokens: 0,
};

/** The memory a function is assumed to have off Lambda (serverless.yml's provider default), in MB. */
export const DEFAULT_FUNCTION_MEMORY_MB = 1024;
