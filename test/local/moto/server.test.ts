import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ensureMoto, MOTO_PIN, type MotoServer, startMoto } from '../../../local/moto';

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

describe('moto server', () => {
  test('local/requirements.txt pins the same version as MOTO_PIN', () => {
    const text = readFileSync(path.join(__dirname, '../../../local/requirements.txt'), 'utf8');
    expect(text.trim().split('\n')).toContain(`moto[server]==${MOTO_PIN}`);
  });

  test('ensureMoto names an interpreter that has the pinned moto, and answers the same again', async () => {
    const argv = await ensureMoto();
    expect(argv.slice(1)).toEqual(['-m', 'moto.server']);
    const version = execFileSync(
      argv[0]!,
      ['-c', 'import moto, flask, flask_cors; print(moto.__version__)'],
      {
        encoding: 'utf8',
      },
    ).trim();
    expect(version).toBe(MOTO_PIN);
    expect(await ensureMoto()).toEqual(argv);
  });

  test('servers started in parallel get their own ports and state, on 127.0.0.1 only, and stop', async () => {
    const servers: MotoServer[] = await Promise.all([startMoto(), startMoto()]);
    try {
      const [a, b] = servers;
      expect(a!.port).not.toBe(b!.port);
      for (const s of servers) expect(s.endpoint).toBe(`http://127.0.0.1:${s.port}`);
      expect(await answers(a!.endpoint)).toBe(true);
      expect(await answers(b!.endpoint)).toBe(true);

      await a!.stop();
      expect(await answers(a!.endpoint)).toBe(false);
      expect(await answers(b!.endpoint)).toBe(true);
      await a!.stop(); // twice is harmless
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
