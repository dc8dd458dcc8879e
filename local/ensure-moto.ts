// Installs the pinned moto server if needed and prints the command the offline runner will use.
// Usage: ts-node --transpile-only local/ensure-moto.ts [--venv]
import { ensureMoto, MOTO_PIN } from './moto';

async function main(): Promise<void> {
  const started = Date.now();
  const argv = await ensureMoto(undefined, { forceVenv: process.argv.includes('--venv') });
  process.stdout.write(`moto ${MOTO_PIN}: ${argv.join(' ')} (${Date.now() - started} ms)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
