import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR, readShards, renderMatrix } from './table';

/** Prints the whole matrix once every file has run, and keeps it next to the shards. */
export default function globalTeardown(): void {
  const shards = readShards();
  if (shards.length === 0) return;
  const table = renderMatrix(shards);
  writeFileSync(join(RESULTS_DIR, 'matrix.md'), `${table}\n`);
  process.stdout.write(`\n${table}\n\n`);
}
