// Fixtures shared by the resource suites (components, recipes, configurations,
// tags, sharing): small valid AWSTOE documents and creation helpers.
import { CreateComponentCommand } from '@aws-sdk/client-imagebuilder';
import { unique } from './lib.mjs';

export const BUILD_DOC = `name: HelloBuild
description: says hello
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecuteBash
        inputs:
          commands:
            - echo hello
  - name: validate
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands:
            - echo ok
`;

export const TEST_DOC = `name: HelloTest
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: Probe
        action: ExecuteBash
        inputs:
          commands:
            - echo testing
`;

// A component with a required parameter (no default) and an optional one.
export const PARAM_DOC = `name: WithParams
schemaVersion: 1.0
parameters:
  - Greeting:
      type: string
      description: what to say
  - Times:
      type: string
      default: "1"
phases:
  - name: build
    steps:
      - name: Say
        action: ExecuteBash
        inputs:
          commands:
            - echo "{{ Greeting }} x {{ Times }}"
`;

// Creates a component and returns { name, arn }.
export async function createComponent(c, opts = {}) {
  const name = opts.name ?? unique('comp');
  const out = await c.send(new CreateComponentCommand({
    name,
    semanticVersion: opts.version ?? '1.0.0',
    platform: opts.platform ?? 'Linux',
    data: opts.data ?? BUILD_DOC,
    description: opts.description,
    tags: opts.tags,
    supportedOsVersions: opts.supportedOsVersions,
  }));
  return { name, arn: out.componentBuildVersionArn, out };
}

export function sharePolicy(arn, account, actions) {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: [account] }, Action: actions, Resource: [arn] }],
  });
}
