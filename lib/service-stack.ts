import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { BlueGreenCutover } from './blue-green-cutover';
import type { ServiceConfig } from './service-config';

export interface BlueGreenServiceStackProps extends StackProps {
  /** The validated config file. */
  readonly config: ServiceConfig;
}

/** `BlueGreen-<service>`: one service's release workflow, as the app in bin/ deploys it. */
export class BlueGreenServiceStack extends Stack {
  readonly cutover: BlueGreenCutover;

  constructor(scope: Construct, props: BlueGreenServiceStackProps) {
    super(scope, `BlueGreen-${props.config.service}`, {
      description: `Blue-green release workflow of ${props.config.service}`,
      ...props,
    });
    this.cutover = new BlueGreenCutover(this, 'Cutover', props.config);
  }
}
