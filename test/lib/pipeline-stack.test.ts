import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { addReleasePipeline, BlueGreenServiceStack, RELEASE_SOURCE } from '../../lib';
import { TRAFFIC } from '../support/traffic';

/** The app of bin/ with the given context: the service's stack, and the pipeline if asked for. */
function synthApp(context: Record<string, unknown>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const service = new BlueGreenServiceStack(app, { config: { service: 'orders-api', traffic: TRAFFIC } });
  const pipeline = addReleasePipeline(app, 'orders-api', service.cutover.stateMachine);
  return { app, service, pipeline };
}

interface Stage {
  Name: string;
  Actions: Array<{
    Name: string;
    ActionTypeId: Record<string, string>;
    Configuration: Record<string, unknown>;
  }>;
}

describe('the example release pipeline', () => {
  it.each([['true'], [true]])(
    'with -c pipeline=%j, ends with the Step Functions invoke of bluegreen-<service>',
    (flag) => {
      const { app, service, pipeline } = synthApp({ pipeline: flag });
      expect(pipeline?.stackName).toBe('BlueGreen-orders-api-Pipeline');
      const assembly = app.synth();
      const template = Template.fromJSON(assembly.getStackByName('BlueGreen-orders-api-Pipeline').template);
      template.hasOutput('ReleaseSourceBucket', { Value: { Ref: Match.stringLikeRegexp('^ReleaseSource') } });
      const [resource] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
      const stages = resource?.Properties.Stages as Stage[];
      expect(stages.map((s) => s.Name)).toEqual(['Source', 'Release']);
      const source = stages[0]?.Actions[0];
      expect(source?.ActionTypeId).toMatchObject({ Category: 'Source', Provider: 'S3' });
      expect(source?.Configuration).toMatchObject({
        S3ObjectKey: RELEASE_SOURCE.key,
        PollForSourceChanges: true,
      });
      const last = stages.at(-1)?.Actions.at(-1);
      expect(last?.ActionTypeId).toMatchObject({ Category: 'Invoke', Provider: 'StepFunctions' });
      // The input is the file the build put in the source artifact (CDK names it `<artifact>::<path>`).
      expect(last?.Configuration).toMatchObject({
        InputType: 'FilePath',
        Input: `Release::${RELEASE_SOURCE.inputFile}`,
      });
      expect(stages.at(-1)?.Actions.at(-1)).toMatchObject({ InputArtifacts: [{ Name: 'Release' }] });
      // The state machine of the service's stack, by a cross-stack reference to its ARN.
      const serviceTemplate = assembly.getStackByName(service.stackName).template as {
        Outputs: Record<string, { Value: unknown; Export: { Name: string } }>;
      };
      const exported = Object.values(serviceTemplate.Outputs).find(
        (o) =>
          JSON.stringify(o.Value) ===
          JSON.stringify({
            Ref: service.getLogicalId(service.cutover.stateMachine.node.defaultChild as never),
          }),
      );
      expect(exported).toBeDefined();
      expect(last?.Configuration.StateMachineArn).toEqual({ 'Fn::ImportValue': exported?.Export.Name });
    },
  );

  it('may start and watch that state machine only, from the pipeline’s role', () => {
    const { app } = synthApp({ pipeline: 'true' });
    const template = Template.fromJSON(app.synth().getStackByName('BlueGreen-orders-api-Pipeline').template);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>,
    );
    const states = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('states:')));
    expect(states.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'states:DescribeExecution',
      'states:DescribeStateMachine',
      'states:StartExecution',
    ]);
    expect(JSON.stringify(states)).not.toContain('"*"');
  });

  it.each([[{}], [{ pipeline: 'false' }]])('is not in the app with context %j', (context) => {
    const { app, pipeline } = synthApp(context);
    expect(pipeline).toBeUndefined();
    expect(app.synth().stacks.map((s) => s.stackName)).toEqual(['BlueGreen-orders-api']);
  });
});
