import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { ACCOUNT, partitionOf, REGION } from '../common/account';
import { matchesEventPattern } from '../events/pattern';
import { STATUS_CHANGE_DETAIL_TYPE } from '../events/status-event';
import { findStack } from './cloud-assembly';
import { TemplateResolver } from './resolver';
import { loadFunction, loadRole, loadRule, loadStateMachine, loadTable, readAssetPaths } from './resources';
import type { SynthesizedWorkflow } from './types';

/**
 * Reads `<stackName>` from a synthesized cloud assembly and resolves everything the offline runner
 * needs into concrete strings: the state machine's ASL, every Lambda function (asset dir, handler,
 * environment, timeout), the DynamoDB tables and the EventBridge rules.
 */
export function loadWorkflow(
  assembly: CloudAssembly | string,
  stackName: string,
  opts: { region?: string; account?: string } = {},
): SynthesizedWorkflow {
  const artifact = findStack(assembly, stackName);
  const { template } = artifact;
  const region = opts.region ?? artifact.region ?? REGION;
  const account = opts.account ?? artifact.account ?? ACCOUNT;
  const partition = partitionOf(region);
  const urlSuffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  const resolver = new TemplateResolver(template, { stackName, region, account, partition, urlSuffix });

  const byType = (type: string) =>
    Object.entries(template.Resources).filter(([id, r]) => r.Type === type && resolver.exists(id));

  const machines = byType('AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) {
    throw new Error(
      `stack ${stackName} must hold exactly one AWS::StepFunctions::StateMachine, found ${machines.length}`,
    );
  }
  const [smId, sm] = machines[0];
  const stateMachine = loadStateMachine(resolver, smId, sm);

  const assetPaths = readAssetPaths(artifact.assetsFile);
  const functions = byType('AWS::Lambda::Function').map(([id, r]) =>
    loadFunction(resolver, id, r, artifact.dir, assetPaths, (role) => loadRole(resolver, role)),
  );
  const tables = byType('AWS::DynamoDB::Table').map(([id, r]) => loadTable(resolver, id, r));
  const functionsByArn = new Map(functions.map((f) => [f.arn, f.name]));
  const rules = byType('AWS::Events::Rule')
    .filter(([, r]) => r.Properties?.EventPattern !== undefined)
    .map(([id, r]) => loadRule(resolver, id, r, functionsByArn));

  const statusChangeTargets = new Set<string>();
  for (const status of ['ABORTED', 'TIMED_OUT'] as const) {
    const probe = { source: 'aws.states', 'detail-type': STATUS_CHANGE_DETAIL_TYPE, detail: { status } };
    const event = { ...probe, detail: { ...probe.detail, stateMachineArn: stateMachine.arn } };
    for (const rule of rules) {
      if (!rule.enabled || !matchesEventPattern(rule.eventPattern, event)) continue;
      for (const t of rule.targets) if (t.functionName) statusChangeTargets.add(t.functionName);
    }
  }

  return {
    cdkOutDir: artifact.dir,
    stackName,
    region,
    account,
    partition,
    stateMachine,
    functions,
    tables,
    rules,
    statusChangeTargets: [...statusChangeTargets],
  };
}
