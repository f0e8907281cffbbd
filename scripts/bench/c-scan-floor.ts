/**
 * The memory-bandwidth floor of exact search: a plain C loop (AVX2 + FMA, one core) over the float32
 * matrix with a top-10 insertion list, compiled on the fly with the system's `cc`. Skipped, with the reason,
 * where there is no compiler or no AVX2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SOURCE = String.raw`
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static int compare(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb");
  long n, d, nq;
  if (!f || fread(&n, 8, 1, f) != 1 || fread(&d, 8, 1, f) != 1 || fread(&nq, 8, 1, f) != 1) return 2;
  float *data = aligned_alloc(32, ((n * d * 4 + 31) / 32) * 32), *queries = malloc(nq * d * 4);
  if (fread(data, 4, n * d, f) != (size_t)(n * d) || fread(queries, 4, nq * d, f) != (size_t)(nq * d)) return 3;
  double *times = malloc(nq * sizeof(double));
  long checksum = 0;
  for (long q = -2; q < nq; q++) {
    const float *query = queries + (q < 0 ? 0 : q) * d;
    float best[10]; long rows[10]; int size = 0;
    double t0 = now_ms();
    for (long r = 0; r < n; r++) {
      const float *v = data + r * d;
      __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
      for (long j = 0; j < d; j += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(v + j), _mm256_loadu_ps(query + j), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(v + j + 8), _mm256_loadu_ps(query + j + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(v + j + 16), _mm256_loadu_ps(query + j + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(v + j + 24), _mm256_loadu_ps(query + j + 24), a3);
      }
      __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
      __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
      h = _mm_hadd_ps(h, h); h = _mm_hadd_ps(h, h);
      float dot = _mm_cvtss_f32(h);
      if (size < 10 || dot > best[size - 1]) {
        int at = size < 10 ? size++ : 9;
        while (at > 0 && best[at - 1] < dot) { best[at] = best[at - 1]; rows[at] = rows[at - 1]; at--; }
        best[at] = dot; rows[at] = r;
      }
    }
    if (q >= 0) times[q] = now_ms() - t0;
    checksum += rows[0];
  }
  qsort(times, nq, sizeof(double), compare);
  printf("%f %ld\n", times[nq / 2], checksum);
  return 0;
}
`;

/** The median ms of the C scan over `data` for `queries` (dimensions a multiple of 32), or why it was skipped. */
export function cScanFloor(data: Float32Array, queries: readonly Float32Array[]): number | string {
  const dimensions = queries[0]?.length ?? 0;
  if (dimensions % 32 !== 0) return 'skipped: dimensions not a multiple of 32';
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  if (!/ avx2( |$)/m.test(cpuinfo)) return 'skipped: no AVX2 (or no /proc/cpuinfo)';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-c-scan-'));
  try {
    writeFileSync(path.join(dir, 'scan.c'), SOURCE);
    try {
      execFileSync('cc', ['-O3', '-mavx2', '-mfma', '-o', path.join(dir, 'scan'), path.join(dir, 'scan.c')], {
        stdio: 'ignore',
      });
    } catch {
      return 'skipped: no C compiler (cc)';
    }
    const header = new BigInt64Array([
      BigInt(data.length / dimensions),
      BigInt(dimensions),
      BigInt(queries.length),
    ]);
    const input = path.join(dir, 'input.bin');
    writeFileSync(input, Buffer.from(header.buffer));
    writeFileSync(input, Buffer.from(data.buffer, data.byteOffset, data.byteLength), { flag: 'a' });
    for (const q of queries)
      writeFileSync(input, Buffer.from(q.buffer, q.byteOffset, q.byteLength), { flag: 'a' });
    const [median] = execFileSync(path.join(dir, 'scan'), [input]).toString().trim().split(' ');
    return Number(median);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
