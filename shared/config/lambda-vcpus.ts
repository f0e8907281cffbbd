/**
 * Lambda grants CPU in proportion to memory: one vCPU at 1,769 MB, up to six at 10,240 MB. onnxruntime
 * sizes its thread pool from the cores it sees, which need not be what the function may use; the model
 * sessions take this count instead.
 */
export const MB_PER_VCPU = 1769;
export const MAX_LAMBDA_VCPUS = 6;
export const MAX_LAMBDA_MEMORY_MB = 10_240;

export function lambdaVcpus(memoryMb: number): number {
  return Math.min(MAX_LAMBDA_VCPUS, Math.max(1, Math.ceil(memoryMb / MB_PER_VCPU)));
}
