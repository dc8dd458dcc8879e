import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * The package as a user gets it: `npm pack` (which builds dist/ through `prepack`), unpacked into
 * the node_modules of a scratch CDK app written in TypeScript, which is compiled against the
 * package's types and run. No network: the package's dependencies and peers are linked from this
 * project's node_modules, where npm would have installed them.
 */

const ROOT = join(__dirname, '..', '..');
const MODULES = join(ROOT, 'node_modules');
const OFFLINE_NPM = {
  ...process.env,
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

interface PackedManifest {
  readonly bin?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

interface PackResult {
  readonly filename: string;
  readonly files: ReadonlyArray<{ readonly path: string }>;
}

const CONSUMER_APP = `
import { App, Stack } from 'aws-cdk-lib';
import { BlueGreenCutover, type BlueGreenCutoverProps } from 'bluegreen-cutover';

const props: BlueGreenCutoverProps = {
  service: 'orders-api',
  traffic: {
    type: 'alb-listener',
    listenerArn:
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/orders/50dc6c495c0c9188/f2f7dc8efc522ab2',
    blueTargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orders-blue/73e2d6bc24d8a067',
    greenTargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orders-green/09d3f0cd1a2b3c4d',
  },
  alarms: ['orders-api-5xx'],
};
// The types are the construct's, not any: a wrong prop type does not compile.
// @ts-expect-error bakeSeconds is a number of seconds
const wrong: BlueGreenCutoverProps = { ...props, bakeSeconds: '600' };
void wrong;

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-1' } });
new BlueGreenCutover(stack, 'Orders', props);
app.synth();
`;

/** Links a package of this project's node_modules into the scratch app's, as npm would install it. */
function link(scratchModules: string, name: string): void {
  const target = join(scratchModules, name);
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(MODULES, name), target, 'dir');
}

describe('the npm package', () => {
  const work = mkdtempSync(join(tmpdir(), 'bluegreen-package-'));
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', 'bluegreen-cutover');
  const bundles = mkdtempSync(join(tmpdir(), 'bluegreen-bundles-'));
  let packed: PackResult;
  let manifest: PackedManifest;

  beforeAll(() => {
    const [result] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
        cwd: ROOT,
        env: OFFLINE_NPM,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as PackResult[];
    if (!result) throw new Error('npm pack reported no tarball');
    packed = result;

    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', installed, '--strip-components=1']);
    manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackedManifest;

    const modules = join(app, 'node_modules');
    const needed = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      // The consumer's own tools: the compiler and Node's types.
      'typescript',
      '@types/node',
    ];
    for (const name of needed) link(modules, name);
    // aws-cdk-lib runs the app's esbuild through npx, which looks in node_modules/.bin.
    mkdirSync(join(modules, '.bin'));
    symlinkSync(join('..', 'esbuild', 'bin', 'esbuild'), join(modules, '.bin', 'esbuild'));

    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // NodejsFunction takes the directory of the lock file as the project root.
    writeFileSync(
      join(app, 'package-lock.json'),
      JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages: { '': {} } }),
    );
    writeFileSync(join(app, 'app.ts'), CONSUMER_APP);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          strict: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
  });

  afterAll(() => {
    for (const dir of [work, bundles]) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the compiled construct, the handlers and their types, and no sources or tests', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['dist/lib/index.js', 'dist/lib/index.d.ts', 'package.json']),
    );
    const handlers = readdirSync(join(ROOT, 'lambdas')).filter((name) => name !== 'shared');
    for (const step of handlers) expect(files).toContain(`dist/lambdas/${step}/index.js`);
    const strays = files.filter(
      (f) => !(f === 'package.json' || f === 'README.md' || f === 'LICENSE' || f.startsWith('dist/')),
    );
    expect(strays).toEqual([]);
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^dist\/(test|bench|bin)\//.test(f))).toEqual([]);
  });

  it('installs the bluegreen command, which runs from the package with its dependencies', () => {
    const bin = manifest.bin?.bluegreen;
    expect(bin).toBe('dist/cli/bin.js');
    const file = join(installed, bin ?? '');
    expect(readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const help = execFileSync(process.execPath, [file, '--help'], { cwd: app, encoding: 'utf8' });
    for (const command of ['status', 'history', 'cutover', 'rollback', 'approve', 'watch'])
      expect(help).toContain(command);
  });

  it('leaves aws-cdk-lib and constructs to the app, as peer dependencies', () => {
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(
      expect.arrayContaining(['aws-cdk-lib', 'constructs']),
    );
    expect(Object.keys(manifest.dependencies ?? {})).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(aws-cdk-lib|constructs)$/)]),
    );
  });

  it('compiles a TypeScript CDK app against the package and synthesizes the state machine', () => {
    const tsc = join(MODULES, 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, stdio: 'pipe' });
    // Bundling of the 14 handlers is left out of this synth (about 25 s); the next test bundles them.
    execFileSync(process.execPath, ['app.js'], {
      cwd: app,
      stdio: 'pipe',
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }) },
    });
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'Consumer.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    const machines = resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines.map((m) => m.Properties.StateMachineName)).toEqual(['bluegreen-orders-api']);
    expect(resources.filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(14);
  });

  it("bundles every handler entry of the installed package with the app's dependencies", () => {
    const entries = readdirSync(join(installed, 'dist', 'lambdas'))
      .filter((name) => name !== 'shared')
      .map((step) => join(installed, 'dist', 'lambdas', step, 'index.js'));
    // Every step handler of the source tree is in the package.
    const sources = readdirSync(join(__dirname, '..', '..', 'lambdas')).filter((name) => name !== 'shared');
    expect(entries).toHaveLength(sources.length);
    const outdir = join(bundles, 'out');
    // One esbuild run for all entries, with the options the construct gives NodejsFunction.
    const result = buildSync({
      entryPoints: entries,
      outdir,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      mainFields: ['module', 'main'],
      minify: true,
      absWorkingDir: app,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);

    // A bundle runs on its own, as in Lambda: nothing but Node's built-ins next to it.
    const alone = join(bundles, 'alone');
    mkdirSync(alone);
    copyFileSync(join(outdir, 'validate', 'index.js'), join(alone, 'index.js'));
    const exported = execFileSync(
      process.execPath,
      ['-e', "process.stdout.write(typeof require('./index.js').handler)"],
      { cwd: alone, encoding: 'utf8', env: { ...process.env, AWS_REGION: 'eu-west-1' } },
    );
    expect(exported).toBe('function');
  });

  it('exports the offline runner as bluegreen-cutover/local, for testing a release config without AWS', () => {
    const exported = execFileSync(
      process.execPath,
      [
        '-e',
        "const local = require('bluegreen-cutover/local'); process.stdout.write([typeof local.OfflineEnvironment.start, typeof local.LocalWorkflow].join(' '))",
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(exported).toBe('function function');
    expect(packed.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['dist/local/index.d.ts', 'dist/local/requirements.txt']),
    );
  });
});
