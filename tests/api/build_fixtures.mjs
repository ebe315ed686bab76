// Fixtures for the image, pipeline, workflow and lifecycle suites: a recipe
// and an infrastructure configuration to build from, created through the API
// with unique names (each test file runs in its own process).
import {
  CreateImageRecipeCommand, CreateInfrastructureConfigurationCommand, CreateWorkflowCommand,
} from '@aws-sdk/client-imagebuilder';
import { unique } from './lib.mjs';

export const HELLO = 'arn:aws:imagebuilder:us-east-1:aws:component/hello-world-linux/x.x.x';

export async function recipe(c, version = '1.0.0', name = unique('recipe')) {
  const r = await c.send(new CreateImageRecipeCommand({
    name, semanticVersion: version, parentImage: 'ubuntu:22.04',
    components: [{ componentArn: HELLO }], clientToken: unique('ct'),
  }));
  return { name, arn: r.imageRecipeArn };
}

export async function infrastructure(c, name = unique('infra')) {
  const r = await c.send(new CreateInfrastructureConfigurationCommand({
    name, instanceProfileName: 'kiln-build', clientToken: unique('ct'),
  }));
  return r.infrastructureConfigurationArn;
}

// The guide's 4-step TEST workflow (L13429-13547) with its boolean parameter.
export const GUIDE_TEST_WORKFLOW = `---
name: sample-test-image
description: Workflow for a sample image, with extra configuration options exposed
  through workflow parameters.
schemaVersion: 1.0
parameters:
  - name: waitForActionAtEnd
    type: boolean
    default: true
steps:
  - name: LaunchTestInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: "ssmAgent"
  - name: ApplyTestComponents
    action: ExecuteComponents
    onFailure: Abort
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"
  - name: TerminateTestInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"
  - name: WaitForActionAtEnd
    action: WaitForAction
    if:
      booleanEquals: true
      value: "$.parameters.waitForActionAtEnd"
`;

export async function testWorkflow(c, name = unique('wf')) {
  const r = await c.send(new CreateWorkflowCommand({
    name, semanticVersion: '1.0.0', type: 'TEST', data: GUIDE_TEST_WORKFLOW, clientToken: unique('ct'),
  }));
  return { name, arn: r.workflowBuildVersionArn };
}
