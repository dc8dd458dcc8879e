import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SCHEMA_CHANGES, type SchemaChange } from '../lambdas/shared/contract';
import { printHistory, readHistory } from './commands/history';
import { approve, startRelease } from './commands/release';
import { printStatus, readStatus } from './commands/status';
import { follow, printEnd, resolveExecution } from './commands/watch';
import { CliError, explain } from './errors';
import { type CliIo, Output } from './output';
import { Clients, findService, type Service } from './service';

interface CommonOptions {
  readonly service: string;
  readonly region?: string;
  readonly endpointUrl?: string;
  readonly json?: boolean;
  readonly pollMs: number;
}

const PROCESS_IO: CliIo = { stdout: process.stdout, stderr: process.stderr };

/**
 * `bluegreen <command> --service NAME`: runs one command and answers its exit code (0 done,
 * 1 the release or the watched execution did not succeed, 2 the command could not do its work).
 * Never calls process.exit, so tests run it in-process.
 */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  let code = 0;
  const program = new Command('bluegreen')
    .description('Blue-green releases of a service deployed with bluegreen-cutover')
    .version(packageVersion(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  type Run = (
    service: Service,
    out: Output,
    opts: CommonOptions & Record<string, unknown>,
    args: string[],
  ) => Promise<number>;

  /** A command with the options every command takes; `run` gets the service found by name. */
  const command = (name: string, summary: string, run: Run): Command =>
    program
      .command(name)
      .description(summary)
      .requiredOption('-s, --service <name>', 'the service (the stack BlueGreen-<name>)')
      .option('--region <region>', "AWS region (default: AWS_REGION or the profile's)")
      .option('--endpoint-url <url>', 'one AWS endpoint for every call, e.g. the offline runner')
      .option('--json', 'print one JSON document instead of text')
      .addOption(
        new Option('--poll-ms <ms>', 'how often to read a running execution')
          .default(1000)
          .argParser(positiveInt)
          .hideHelp(),
      )
      .action(async (...params: unknown[]) => {
        const self = params[params.length - 1] as Command;
        const opts = self.opts<CommonOptions & Record<string, unknown>>();
        const out = new Output(io, opts.json === true);
        const clients = new Clients({
          ...(opts.region ? { region: opts.region } : {}),
          ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
        });
        try {
          const service = await findService(opts.service, clients);
          code = await run(service, out, opts, self.args);
        } catch (error) {
          const e = explain(error, opts.endpointUrl);
          out.error(`bluegreen ${name}: ${e.message}`);
          if (e.hint) out.error(`  ${e.hint}`);
          out.document({ error: e.message, ...(e.hint ? { hint: e.hint } : {}) });
          code = e.exitCode;
        } finally {
          clients.destroy();
        }
      });

  command(
    'status',
    'live side, weights, health of both sides, alarms and the lease holder',
    async (service, out) => {
      const status = await readStatus(service);
      printStatus(status, out);
      out.document(status);
      return 0;
    },
  );

  command('history', 'recent releases and rollbacks, newest first', async (service, out, opts) => {
    const entries = await readHistory(service, opts.limit as number);
    printHistory(service, entries, out);
    out.document({ service: service.name, releases: entries });
    return 0;
  }).option('-n, --limit <count>', 'how many releases', positiveInt, 10);

  command('cutover', 'release a version to the idle side and switch traffic to it', (service, out, opts) =>
    startRelease(
      service,
      {
        action: 'cutover',
        version: opts.version as string,
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(opts.schemaChange ? { schemaChange: opts.schemaChange as SchemaChange } : {}),
        ...(opts.reason ? { reason: opts.reason as string } : {}),
      },
      out,
      { wait: opts.wait !== false, pollMs: opts.pollMs },
    ),
  )
    .requiredOption('--version <version>', 'the version to release (an image tag)')
    .option('--dry-run', 'say what would change, change nothing')
    .addOption(
      new Option('--schema-change <kind>', 'what the release does to the shared database').choices(
        SCHEMA_CHANGES,
      ),
    )
    .option('--reason <text>', 'why, recorded in the history')
    .option('--no-wait', 'start the execution and return without following it');

  command('rollback', 'move traffic back to the previous known-good side', (service, out, opts) =>
    startRelease(
      service,
      {
        action: 'rollback',
        ...(opts.reason ? { reason: opts.reason as string } : {}),
        ...(opts.force ? { force: true } : {}),
        ...(opts.dryRun ? { dryRun: true } : {}),
      },
      out,
      { wait: opts.wait !== false, pollMs: opts.pollMs },
    ),
  )
    .option('--reason <text>', 'why, recorded in the history')
    .option('--force', 'roll back across a contract schema change')
    .option('--dry-run', 'say what would change, change nothing')
    .option('--no-wait', 'start the execution and return without following it');

  command('approve', 'approve a release waiting at the manual approval gate', async (service) =>
    approve(service),
  );

  command('watch', 'follow an execution step by step until it ends', async (service, out, opts, args) => {
    const executionArn = await resolveExecution(service, args[0]);
    const result = await follow(service, executionArn, out, opts.pollMs);
    printEnd(result, out);
    out.document(result);
    return result.status === 'SUCCEEDED' ? 0 : 1;
  }).argument('[execution]', 'execution name or ARN (default: the newest running one)');

  return runProgram(program, argv, io, () => code);
}

async function runProgram(
  program: Command,
  argv: readonly string[],
  io: CliIo,
  code: () => number,
): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code();
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with code 0; a usage error was already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    const e = error instanceof CliError ? error : explain(error);
    io.stderr.write(`bluegreen: ${e.message}\n`);
    return e.exitCode;
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

function packageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bluegreen-cutover') return pkg.version ?? '0.0.0';
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}
