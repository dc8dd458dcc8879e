import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Route53Client } from '@aws-sdk/client-route-53';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeaseStore, ReleaseHistory } from '../lambdas/shared/aws/store';
import { CONFIG_ENV, type RuntimeConfig, runtimeConfigSchema } from '../lambdas/shared/contract';
import { type Router, routerFor } from '../lambdas/shared/routers';
import { CliError, explain } from './errors';

/** Where the CLI talks to: the usual AWS credential chain and region, or an offline runner's endpoint. */
export interface AwsTarget {
  readonly region?: string;
  readonly endpoint?: string;
}

/** The SDK clients of one CLI run, created once. */
export class Clients {
  readonly sfn: SFNClient;
  readonly lambda: LambdaClient;
  readonly cloudWatch: CloudWatchClient;
  readonly dynamo: DynamoDBDocumentClient;
  private readonly dynamoBase: DynamoDBClient;
  readonly route53: Route53Client;
  private readonly elbByRegion = new Map<string, ElasticLoadBalancingV2Client>();

  constructor(readonly target: AwsTarget) {
    const base = this.config();
    this.sfn = new SFNClient(base);
    this.lambda = new LambdaClient(base);
    this.cloudWatch = new CloudWatchClient(base);
    this.route53 = new Route53Client(base);
    this.dynamoBase = new DynamoDBClient(base);
    this.dynamo = DynamoDBDocumentClient.from(this.dynamoBase, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /** An ELB client of `region` (a Route 53 side's target group may live in another region). */
  elb(region?: string): ElasticLoadBalancingV2Client {
    const key = region ?? '';
    let client = this.elbByRegion.get(key);
    if (!client) {
      client = new ElasticLoadBalancingV2Client(this.config(region));
      this.elbByRegion.set(key, client);
    }
    return client;
  }

  private config(region = this.target.region): { region?: string; endpoint?: string; maxAttempts: number } {
    return {
      ...(region ? { region } : {}),
      ...(this.target.endpoint ? { endpoint: this.target.endpoint } : {}),
      maxAttempts: 3,
    };
  }

  destroy(): void {
    for (const c of [
      this.sfn,
      this.lambda,
      this.cloudWatch,
      this.dynamoBase,
      this.route53,
      ...this.elbByRegion.values(),
    ])
      c.destroy();
  }
}

/** One service's deployed workflow, found by its name. */
export interface Service {
  readonly name: string;
  readonly stateMachineArn: string;
  /** The configuration its steps run with (alarms, router, table), as deployed. */
  readonly config: RuntimeConfig;
  readonly clients: Clients;
  router(): Router;
  leases(): LeaseStore;
  history(): ReleaseHistory;
}

/** The state machine the construct names after the service (DESIGN.md: `bluegreen-<service>`). */
export function stateMachineName(service: string): string {
  return `bluegreen-${service}`;
}

/**
 * Finds the service's state machine by name, then the configuration its steps were deployed with:
 * the definition names the step functions, and each carries the resolved configuration (router,
 * alarms, table) in its environment. Nothing else has to be told where things are.
 */
export async function findService(name: string, clients: Clients): Promise<Service> {
  try {
    const stateMachineArn = await findStateMachine(name, clients);
    const config = await deployedConfig(name, stateMachineArn, clients);
    return {
      name,
      stateMachineArn,
      config,
      clients,
      router: () =>
        routerFor(config, { elb: (r) => clients.elb(r), lambda: clients.lambda, route53: clients.route53 }),
      leases: () => new LeaseStore(clients.dynamo, config.tableName, config.service),
      history: () => new ReleaseHistory(clients.dynamo, config.tableName, config.service),
    };
  } catch (error) {
    throw explain(error, clients.target.endpoint);
  }
}

async function findStateMachine(service: string, clients: Clients): Promise<string> {
  const wanted = stateMachineName(service);
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const out = await clients.sfn.send(new ListStateMachinesCommand({ nextToken, maxResults: 1000 }));
    for (const sm of out.stateMachines ?? []) {
      if (sm.name === wanted && sm.stateMachineArn) return sm.stateMachineArn;
      if (sm.name?.startsWith('bluegreen-')) seen.push(sm.name.slice('bluegreen-'.length));
    }
    nextToken = out.nextToken;
  } while (nextToken);
  const region = (await clients.sfn.config.region()) || 'this region';
  throw new CliError(
    `unknown service ${service}: no state machine ${wanted} in ${region}`,
    seen.length > 0
      ? `services deployed here: ${seen.sort().join(', ')}`
      : 'check the service name, the AWS account (AWS_PROFILE) and the region (--region); the stack is BlueGreen-<service>',
  );
}

async function deployedConfig(
  service: string,
  stateMachineArn: string,
  clients: Clients,
): Promise<RuntimeConfig> {
  const described = await clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
  const fn = firstFunctionName(JSON.parse(described.definition ?? '{}') as unknown);
  if (!fn) {
    throw new CliError(
      `the state machine ${stateMachineArn} invokes no Lambda function: it was not built by the BlueGreenCutover construct`,
    );
  }
  const out = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
  const raw = out.Environment?.Variables?.[CONFIG_ENV];
  const parsed = raw === undefined ? undefined : runtimeConfigSchema.safeParse(JSON.parse(raw));
  if (!parsed?.success) {
    throw new CliError(
      `the function ${fn} of ${service} has no readable ${CONFIG_ENV}; redeploy the stack with this version of bluegreen-cutover`,
    );
  }
  return parsed.data;
}

/** The FunctionName of the first Lambda task of an ASL definition (every step carries the same configuration). */
function firstFunctionName(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = firstFunctionName(item);
      if (found) return found;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  const params = record.Parameters as Record<string, unknown> | undefined;
  if (record.Type === 'Task' && typeof params?.FunctionName === 'string') return params.FunctionName;
  for (const value of Object.values(record)) {
    const found = firstFunctionName(value);
    if (found) return found;
  }
  return undefined;
}
