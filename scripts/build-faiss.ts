/**
 * `npm run faiss:build`: makes sure faiss-node has a working native binding.
 *
 * faiss-node's own install script downloads a prebuilt binary, or clones faiss, from GitHub; this project
 * installs with `ignore-scripts` (.npmrc), so the binding is made here instead, in order:
 * 1. nothing to do when a binding already loads;
 * 2. the upstream prebuilt binary (`prebuild-install`), where GitHub can be reached;
 * 3. a compile against Debian's faiss (`libfaiss-dev`, static, with `libopenblas-dev`, `cmake` and
 *    `patchelf`) through cmake-js, in a few seconds.
 * The vitest global setup calls it too, so `npm test` works once the Debian packages are there.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
const FAISS_NODE = path.join(PROJECT_ROOT, 'node_modules', 'faiss-node');
const SYSTEM_FAISS = '/usr/lib/x86_64-linux-gnu/libfaiss.a';
const FAISS_SYSTEM_PACKAGES = 'libfaiss-dev libopenblas-dev cmake patchelf';

export function faissBindingWorks(): boolean {
  try {
    execFileSync(
      process.execPath,
      [
        '-e',
        `const { IndexFlatIP } = require(${JSON.stringify(FAISS_NODE)});
         const index = new IndexFlatIP(2); index.add([1, 0, 0, 1]);
         const { labels } = index.search([0, 1], 1);
         if (labels[0] !== 1) process.exit(3);`,
      ],
      { stdio: 'ignore' },
    );
    return true;
  } catch {
    return false;
  }
}

function tryPrebuilt(): boolean {
  const require = createRequire(path.join(FAISS_NODE, 'package.json'));
  try {
    const bin = require.resolve('prebuild-install/bin.js');
    execFileSync(process.execPath, [bin, '--runtime', 'napi'], {
      cwd: FAISS_NODE,
      stdio: 'ignore',
      timeout: 60_000,
    });
    return faissBindingWorks();
  } catch {
    return false;
  }
}

function compileAgainstSystemFaiss(log: (line: string) => void): void {
  // Replace the faiss source tree the upstream install would clone with the system's static library.
  const shim = path.join(FAISS_NODE, 'deps', 'faiss');
  mkdirSync(shim, { recursive: true });
  writeFileSync(
    path.join(shim, 'CMakeLists.txt'),
    `find_package(OpenMP REQUIRED)
find_package(BLAS REQUIRED)
find_package(LAPACK REQUIRED)
add_library(faiss INTERFACE)
target_link_libraries(faiss INTERFACE ${SYSTEM_FAISS} OpenMP::OpenMP_CXX \${LAPACK_LIBRARIES} \${BLAS_LIBRARIES})
target_compile_options(faiss INTERFACE -include \${CMAKE_CURRENT_SOURCE_DIR}/compat.h)
`,
  );
  // faiss 1.7.3 keeps idx_t inside faiss::Index; faiss-node 0.5 expects faiss::idx_t (as in 1.7.4).
  writeFileSync(
    path.join(shim, 'compat.h'),
    '#include <cstdint>\nnamespace faiss { using idx_t = int64_t; }\n',
  );
  const cmakeJs = createRequire(import.meta.url).resolve('cmake-js/bin/cmake-js');
  log('faiss-node: compiling the binding against the system faiss');
  execFileSync(process.execPath, [cmakeJs, 'compile'], {
    cwd: FAISS_NODE,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Ensures the binding loads, building it if needed; throws with the fix when it cannot. */
export function ensureFaissBinding(log: (line: string) => void = console.log): void {
  if (!existsSync(FAISS_NODE)) throw new Error('faiss-node is not installed: run npm ci first');
  if (faissBindingWorks()) return;
  const started = performance.now();
  if (tryPrebuilt()) {
    log('faiss-node: installed the upstream prebuilt binding');
    return;
  }
  if (!existsSync(SYSTEM_FAISS)) {
    throw new Error(
      `faiss-node has no native binding, no prebuilt one could be downloaded, and ${SYSTEM_FAISS} is missing: ` +
        `install Debian's faiss first (apt-get install -y ${FAISS_SYSTEM_PACKAGES}), then run npm run faiss:build`,
    );
  }
  compileAgainstSystemFaiss(log);
  if (!faissBindingWorks()) throw new Error('faiss-node: the compiled binding does not load');
  log(`faiss-node: binding built and verified in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.filename === process.argv[1]) {
  try {
    ensureFaissBinding();
    console.log('faiss-node: native binding loads');
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
