import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useOfflineEnvironment } from '../workflow/support';
import { cli, expectSuccess, json, useRunnerEndpoint } from './support';

const SERVICE = 'cli-orders';

const env = useOfflineEnvironment({
  service: SERVICE,
  bakeSeconds: 2,
  healthTimeoutSeconds: 3,
  initialMs: 500,
});
const runner = useRunnerEndpoint(env);
const on = (...args: string[]) => [...args, ...runner.args(SERVICE)];

interface StatusDoc {
  live: string | null;
  weights: Record<string, number | null>;
  health: Record<string, { healthy?: boolean; summary?: string }>;
  alarms: { name: string; state: string }[];
  lease: unknown;
}

describe('bluegreen CLI against the offline runner', () => {
  it('refuses an unknown service, naming the services it found (exit 2)', async () => {
    const run = await cli('status', ...runner.args('no-such-service'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'unknown service no-such-service: no state machine bluegreen-no-such-service',
    );
    expect(run.stderr).toContain(`services deployed here: ${SERVICE}`);
    expect(run.stdout).toBe('');
  });

  it('says how to provide credentials when the chain finds none (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluegreen-cli-'));
    writeFileSync(join(dir, 'config'), '');
    writeFileSync(join(dir, 'credentials'), '');
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      const run = await cli('status', ...runner.args(SERVICE));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('no usable AWS credentials');
      expect(run.stderr).toContain('AWS_PROFILE');
    } finally {
      process.env = saved;
    }
  });

  it('reports a validation error before starting anything, naming the field', async () => {
    const before = env.workflow.listExecutions().length;
    const run = await cli(...on('cutover', '--version', 'not a tag'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/invalid cutover: .*version/);
    expect(env.workflow.listExecutions()).toHaveLength(before);
  });

  it('shows the status before any release: blue live, green not attached, lease free', async () => {
    const text = await cli(...on('status'));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/live\s+blue \(blue 100, green -\)/);
    expect(text.stdout).toMatch(/lease\s+free/);
    const doc = json<StatusDoc>(await cli(...on('status', '--json')));
    expect(doc.live).toBe('blue');
    expect(doc.weights).toEqual({ blue: 100, green: null });
    expect(doc.health.blue?.healthy).toBe(true);
    expect(doc.alarms).toEqual([
      expect.objectContaining({ name: `${SERVICE}-5xx`, state: 'OK' }),
      expect.objectContaining({ name: `${SERVICE}-p99`, state: 'OK' }),
    ]);
    expect(doc.lease).toBeNull();
  });

  it('prints the plan of a dry run and changes nothing', async () => {
    const run = await cli(...on('cutover', '--version', 'v2', '--dry-run'));
    expectSuccess(run);
    expect(run.stdout).toContain('SUCCEEDED');
    expect(run.stdout).toContain('plan (nothing was changed):');
    expect(run.stdout).toMatch(/1\. add green to the listener/);
    expect(await env.weights()).toEqual({ blue: 100, green: null });
  });

  it('releases a version, following each step, then status shows green live', async () => {
    const run = await cli(...on('cutover', '--version', 'v2', '--schema-change', 'expand'));
    expect(run.stderr).toBe('');
    expectSuccess(run);
    for (const step of ['Validate', 'SwitchTraffic', 'Bake', 'Finalize']) {
      expect(run.stdout).toContain(`> ${step}`);
      expect(run.stdout).toMatch(new RegExp(`< ${step} \\(\\d`));
    }
    expect(run.stdout).toMatch(/SUCCEEDED in /);
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
    const doc = json<StatusDoc>(await cli(...on('status', '--json')));
    expect(doc.live).toBe('green');
    expect(doc.weights).toEqual({ blue: 0, green: 100 });
    expect(doc.health.green?.healthy).toBe(true);
  });

  it('rolls back with a reason, and the history lists both, newest first', async () => {
    const run = await cli(...on('rollback', '--reason', 'p99 latency after release', '--json'));
    expectSuccess(run);
    expect(json(run)).toMatchObject({ status: 'SUCCEEDED', output: { action: 'rollback', live: 'blue' } });
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });

    const history = json<{ releases: Record<string, unknown>[] }>(await cli(...on('history', '--json')));
    expect(history.releases[0]).toMatchObject({
      action: 'rollback',
      from: 'green',
      to: 'blue',
      outcome: 'succeeded',
      reason: 'p99 latency after release',
    });
    const cutover = history.releases.find((r) => r.action === 'cutover' && r.schemaChange === 'expand');
    expect(cutover).toMatchObject({ version: 'v2', from: 'blue', to: 'green', outcome: 'rolled-back' });
    expect(cutover?.totalMs).toEqual(expect.any(Number));
    expect(cutover?.toSwitchMs).toEqual(expect.any(Number));

    const text = await cli(...on('history', '--limit', '2'));
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+ACTION\s+VERSION\s+FROM -> TO\s+SCHEMA\s+OUTCOME/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/rollback\s+-\s+green -> blue\s+none\s+succeeded/);
    expect(lines[2]).toMatch(/cutover\s+v2\s+blue -> green\s+expand\s+rolled-back/);
  });

  it('watches an execution that succeeded (exit 0)', async () => {
    const done = env.workflow.listExecutions().find((e) => e.status === 'SUCCEEDED');
    if (!done) throw new Error('no succeeded execution to watch');
    const run = await cli(...on('watch', done.name, '--json'));
    expectSuccess(run);
    const doc = json<{ status: string; steps: { name: string }[] }>(run);
    expect(doc.status).toBe('SUCCEEDED');
    expect(doc.steps.map((s) => s.name)).toContain('Validate');
  });

  it('follows the running execution when none is named, and exits 1 with the error when it fails', async () => {
    env.setSideHealth('green', 'unhealthy');
    try {
      const execution = env.start({ action: 'cutover', version: 'v3' });
      const run = await cli(...on('watch'));
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`watching ${execution.executionArn}`);
      expect(run.stdout).toContain('> WaitHealthy');
      expect(run.stdout).toContain('FAILED: IdleNotHealthy');
      expect(run.stdout).toMatch(/cause: .*green/);
      expect(run.stdout).toMatch(/live: blue/);
    } finally {
      env.clearSideHealth();
    }
  });

  it('refuses watch without an execution when nothing runs (exit 2)', async () => {
    const run = await cli(...on('watch'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`no execution of ${SERVICE} is running`);
  });

  it('says that manual approval is not configured (exit 2)', async () => {
    const run = await cli(...on('approve', '--json'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`manual approval is not configured for ${SERVICE}`);
    expect(json(run)).toMatchObject({ error: `manual approval is not configured for ${SERVICE}` });
  });
});
