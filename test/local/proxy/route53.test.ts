import {
  type Change,
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { FAKE_CREDENTIALS } from '../../../local/fixtures';
import { isAllowed, type RequiredPermission, requiredPermissions } from '../../../local/iam/permissions';
import { type MotoServer, startMoto } from '../../../local/moto';
import { HonestAws } from '../../../local/proxy/honest-aws';

/**
 * The proxy's Route 53, against moto's: moto applies batches change by change, matches a DELETE
 * without its weight, deletes by set identifier across names, accepts a duplicate CREATE and says
 * INSYNC at once (MOTO-NOTES.md). Through the proxy, as at AWS, none of that happens.
 */

let moto: MotoServer;
let proxy: HonestAws;
let direct: Route53Client;
let r53: Route53Client;
let zoneId: string;

const record = (name: string, setIdentifier: string, weight: number, ttl = 60): ResourceRecordSet => ({
  Name: name,
  Type: 'CNAME',
  SetIdentifier: setIdentifier,
  Weight: weight,
  TTL: ttl,
  ResourceRecords: [{ Value: `${setIdentifier}.lb.example.net` }],
});
const change = (Action: Change['Action'], set: ResourceRecordSet): Change => ({
  Action,
  ResourceRecordSet: set,
});
const batch = (client: Route53Client, ...changes: Change[]) =>
  client.send(
    new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }),
  );

async function weighted(): Promise<string[]> {
  const out = await direct.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return (out.ResourceRecordSets ?? [])
    .filter((s) => s.SetIdentifier)
    .map((s) => `${s.Name} ${s.SetIdentifier} ${s.Weight} ${s.TTL}`)
    .sort();
}

beforeAll(async () => {
  moto = await startMoto();
  const config = { region: 'us-east-1', credentials: FAKE_CREDENTIALS, maxAttempts: 1 };
  direct = new Route53Client({ endpoint: moto.endpoint, ...config });
  proxy = await HonestAws.start({ motoEndpoint: moto.endpoint });
  r53 = new Route53Client({ endpoint: proxy.endpoint, ...config });
  const zone = await direct.send(
    new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'proxy-test' }),
  );
  zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
});

afterAll(async () => {
  direct?.destroy();
  r53?.destroy();
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  const out = await direct.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  const ours = (out.ResourceRecordSets ?? []).filter((s) => s.SetIdentifier);
  for (const set of ours) await batch(direct, change('DELETE', set)).catch(() => undefined);
  await batch(
    direct,
    change('UPSERT', record('api.example.com', 'blue', 100)),
    change('UPSERT', record('api.example.com', 'green', 0)),
    change('UPSERT', record('www.example.com', 'blue', 1)),
  );
});

describe('honest Route 53', () => {
  it('refuses a batch whose DELETE names a weight the record does not have, and applies none of it', async () => {
    await expect(
      batch(
        r53,
        change('DELETE', record('api.example.com', 'green', 0)),
        change('CREATE', record('api.example.com', 'green', 100)),
        change('DELETE', record('api.example.com', 'blue', 50)),
        change('CREATE', record('api.example.com', 'blue', 0)),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidChangeBatch',
      message: expect.stringContaining(
        "Tried to delete resource record set [name='api.example.com.', type='CNAME', set-identifier='blue'] but the values provided do not match the current values",
      ),
    });
    expect(await weighted()).toEqual([
      'api.example.com. blue 100 60',
      'api.example.com. green 0 60',
      'www.example.com. blue 1 60',
    ]);
  });

  it('refuses a CREATE of a record that exists', async () => {
    await expect(batch(r53, change('CREATE', record('api.example.com', 'green', 5)))).rejects.toMatchObject({
      name: 'InvalidChangeBatch',
      message: expect.stringContaining('but it already exists'),
    });
    expect(await weighted()).toContain('api.example.com. green 0 60');
    expect(await weighted()).toHaveLength(3);
  });

  it('deletes only the record named, not every record with its set identifier', async () => {
    await batch(
      r53,
      change('DELETE', record('api.example.com', 'blue', 100)),
      change('DELETE', record('api.example.com', 'green', 0)),
      change('CREATE', record('api.example.com', 'blue', 0)),
      change('CREATE', record('api.example.com', 'green', 100)),
    );
    expect(await weighted()).toEqual([
      'api.example.com. blue 0 60',
      'api.example.com. green 100 60',
      'www.example.com. blue 1 60',
    ]);
  });

  it('writes the same weights a third time (moto refuses a CREATE it has seen before)', async () => {
    for (const [from, to] of [
      [100, 0],
      [0, 100],
      [100, 0],
    ] as const) {
      await batch(
        r53,
        change('DELETE', record('api.example.com', 'blue', from)),
        change('DELETE', record('api.example.com', 'green', to)),
        change('CREATE', record('api.example.com', 'blue', to)),
        change('CREATE', record('api.example.com', 'green', from)),
      );
    }
    expect(await weighted()).toContain('api.example.com. green 100 60');
  });

  it('answers a change PENDING, then INSYNC, under its own id in /change/ form', async () => {
    const first = await batch(r53, change('UPSERT', record('api.example.com', 'green', 0, 30)));
    const second = await batch(r53, change('UPSERT', record('api.example.com', 'green', 0, 60)));
    expect(first.ChangeInfo?.Id).toMatch(/^\/change\/C[A-Z0-9]{13}$/);
    expect(first.ChangeInfo?.Status).toBe('PENDING');
    expect(second.ChangeInfo?.Id).not.toBe(first.ChangeInfo?.Id);
    const id = first.ChangeInfo?.Id ?? '';
    expect((await r53.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status).toBe('PENDING');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await r53.send(new GetChangeCommand({ Id: id }))).ChangeInfo).toMatchObject({
      Id: id,
      Status: 'INSYNC',
    });
  });

  it('answers GetHealthCheckStatus as scripted', async () => {
    const check = await direct.send(
      new CreateHealthCheckCommand({
        CallerReference: 'hc-proxy-test',
        HealthCheckConfig: { Type: 'HTTPS', FullyQualifiedDomainName: 'blue.example.com', Port: 443 },
      }),
    );
    const id = check.HealthCheck?.Id ?? '';
    const statuses = async () =>
      (
        (await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))).HealthCheckObservations ?? []
      ).map((o) => o.StatusReport?.Status?.split(':')[0]);
    expect(await statuses()).toContain('Success');
    proxy.route53.setHealthCheck(id, 'unhealthy');
    expect(new Set(await statuses())).toEqual(new Set(['Failure']));
    proxy.route53.clearHealthChecks();
    expect(await statuses()).not.toContain('Failure');
  });

  it('records each call with the operation and what IAM authorizes it on', async () => {
    await batch(r53, change('UPSERT', record('API.example.com.', 'green', 0)));
    const call = proxy.calls.filter((c) => c.operation === 'ChangeResourceRecordSets').at(-1);
    expect(call).toBeDefined();
    const [need] = requiredPermissions(call!, { partition: 'aws', account: '123456789012' });
    expect(need).toEqual({
      action: 'route53:ChangeResourceRecordSets',
      resource: `arn:aws:route53:::hostedzone/${zoneId}`,
      context: {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['api.example.com'],
        'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
        'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
      },
    });
  });
});

describe('IAM conditions with ForAllValues', () => {
  const statement = (values: string[]) => ({
    Effect: 'Allow' as const,
    Action: ['route53:ChangeResourceRecordSets'],
    Resource: ['arn:aws:route53:::hostedzone/Z1'],
    Condition: { 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsActions': values } },
  });
  const need = (actions: string[] | undefined): RequiredPermission => ({
    action: 'route53:ChangeResourceRecordSets',
    resource: 'arn:aws:route53:::hostedzone/Z1',
    context: actions ? { 'route53:ChangeResourceRecordSetsActions': actions } : {},
  });

  it('allows when every value of the request is listed, and refuses one that is not', () => {
    expect(isAllowed([statement(['CREATE', 'DELETE'])], need(['DELETE', 'CREATE']))).toBe(true);
    expect(isAllowed([statement(['CREATE', 'DELETE'])], need(['DELETE', 'UPSERT']))).toBe(false);
  });

  it('holds for a request without the key, as IAM does', () => {
    expect(isAllowed([statement(['CREATE'])], need(undefined))).toBe(true);
  });

  it('keeps single-valued StringEquals refusing a multi-valued key', () => {
    const single = {
      ...statement([]),
      Condition: { StringEquals: { 'route53:ChangeResourceRecordSetsActions': ['CREATE'] } },
    };
    expect(isAllowed([single], need(['CREATE']))).toBe(false);
  });
});
