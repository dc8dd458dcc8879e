import { AssetManifestArtifact, CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { CfnTemplate } from './resolver';

/** The parts of a stack artifact the runner reads. */
export interface StackArtifact {
  /** The assembly directory the stack's asset paths are relative to. */
  readonly dir: string;
  readonly template: CfnTemplate;
  readonly assetsFile?: string;
  readonly region?: string;
  readonly account?: string;
}

/**
 * Finds a stack by name (or artifact id, or display path) in a cloud assembly, nested assemblies
 * (Stages) included. Takes the assembly `app.synth()` returns, or a cdk.out directory.
 */
export function findStack(source: CloudAssembly | string, stackName: string): StackArtifact {
  const assembly = typeof source === 'string' ? new CloudAssembly(source) : source;
  const stack = assembly.stacksRecursively.find(
    (s) => s.stackName === stackName || s.id === stackName || s.displayName === stackName,
  );
  if (!stack) throw new Error(`stack ${stackName} not found in ${assembly.directory}`);
  const assets = stack.dependencies.find((d) => AssetManifestArtifact.isAssetManifestArtifact(d));
  const { account, region } = stack.environment;
  return {
    dir: stack.assembly.directory,
    template: stack.template as CfnTemplate,
    ...(assets ? { assetsFile: assets.file } : {}),
    ...(account && !account.startsWith('unknown-') ? { account } : {}),
    ...(region && !region.startsWith('unknown-') ? { region } : {}),
  };
}
