import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How to start the worker thread: its compiled source (eval) or a compiled file beside this one. */
export type WorkerCode =
  | { readonly eval: true; readonly code: string }
  | { readonly eval: false; readonly file: string };

const SOURCE = join(__dirname, 'worker.ts');
const COMPILED = join(__dirname, 'worker.js');

let cached: WorkerCode | undefined;

/**
 * The worker module, loadable by a plain worker thread: the compiled file beside this one when the
 * runner runs from a build; from source (ts-node, ts-jest), the TypeScript compiled once per process
 * with esbuild (a few milliseconds), which keeps dynamic `import()` of ES module handlers intact.
 */
export function workerCode(): WorkerCode {
  if (cached) return cached;
  if (existsSync(COMPILED)) {
    cached = { eval: false, file: COMPILED };
  } else {
    const { transformSync } = require('esbuild') as typeof import('esbuild');
    const { code } = transformSync(readFileSync(SOURCE, 'utf8'), {
      loader: 'ts',
      format: 'cjs',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      banner: "'use strict';",
      sourcefile: SOURCE,
    });
    cached = { eval: true, code };
  }
  return cached;
}
