// Lifecycle policy operations with the AWS SDK: validation of rules and
// scope (§5), storage, whole-policy updates, listing, isolation, and the
// state-update rules for images.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLifecyclePolicyCommand, GetLifecyclePolicyCommand, ListLifecyclePoliciesCommand,
  UpdateLifecyclePolicyCommand, DeleteLifecyclePolicyCommand, StartResourceStateUpdateCommand,
  GetLifecycleExecutionCommand, ListLifecycleExecutionsCommand, CancelLifecycleExecutionCommand,
  CreateImageCommand, CancelImageCreationCommand,
} from '@aws-sdk/client-imagebuilder';
import { account2, client, errorOf, unique } from './lib.mjs';
import { recipe, infrastructure } from './build_fixtures.mjs';

const c = client();
const other = client({ account: account2 });

const AGE = (value, unit = 'DAYS') => ({ type: 'AGE', value, unit });
function policy(extra = {}) {
  return {
    name: unique('policy'), executionRole: 'arn:aws:iam::111122223333:role/lifecycle', resourceType: 'AMI_IMAGE',
    policyDetails: [
      { action: { type: 'DELETE', includeResources: { amis: true, snapshots: true } }, filter: { type: 'COUNT', value: 2 } },
      { action: { type: 'DEPRECATE' }, filter: AGE(30) },
      { action: { type: 'DISABLE' }, filter: AGE(60), exclusionRules: { tagMap: { keep: 'true' }, amis: { isPublic: true } } },
    ],
    resourceSelection: { recipes: [{ name: 'my-recipe', semanticVersion: '1.x.x' }] },
    clientToken: unique('ct'), ...extra,
  };
}

test('lifecycle policies are created, read, listed, replaced and deleted', async () => {
  const input = policy({ description: 'three rules', tags: { owner: 'kiln' } });
  const { lifecyclePolicyArn: arn } = await c.send(new CreateLifecyclePolicyCommand(input));
  assert.ok(arn.endsWith(`:111122223333:lifecycle-policy/${input.name}`));
  const { lifecyclePolicy: p } = await c.send(new GetLifecyclePolicyCommand({ lifecyclePolicyArn: arn }));
  assert.equal(p.status, 'ENABLED');
  assert.equal(p.resourceType, 'AMI_IMAGE');
  assert.equal(p.policyDetails.length, 3);
  assert.ok(p.dateCreated instanceof Date);
  assert.equal(p.dateUpdated, undefined);
  assert.deepEqual(p.tags, { owner: 'kiln' });

  const list = await c.send(new ListLifecyclePoliciesCommand({ filters: [{ name: 'name', values: [input.name] }] }));
  assert.equal(list.lifecyclePolicySummaryList.length, 1);
  assert.equal(list.lifecyclePolicySummaryList[0].policyDetails, undefined, 'summaries carry no rules');

  await c.send(new UpdateLifecyclePolicyCommand({
    lifecyclePolicyArn: arn, executionRole: 'lifecycle', resourceType: 'AMI_IMAGE', status: 'DISABLED',
    policyDetails: [{ action: { type: 'DELETE' }, filter: AGE(1, 'YEARS') }],
    resourceSelection: { tagMap: { env: 'dev' } }, clientToken: unique('ct'),
  }));
  const after = (await c.send(new GetLifecyclePolicyCommand({ lifecyclePolicyArn: arn }))).lifecyclePolicy;
  assert.equal(after.status, 'DISABLED');
  assert.equal(after.policyDetails.length, 1);
  assert.deepEqual(after.resourceSelection, { tagMap: { env: 'dev' } });
  assert.equal(after.description, undefined);
  assert.ok(after.dateUpdated instanceof Date);

  let e = await errorOf(other.send(new GetLifecyclePolicyCommand({ lifecyclePolicyArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  e = await errorOf(c.send(new CreateLifecyclePolicyCommand({ ...input, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceAlreadyExistsException');
  const execs = await c.send(new ListLifecycleExecutionsCommand({ resourceArn: arn }));
  assert.deepEqual(execs.lifecycleExecutions, []);
  await c.send(new DeleteLifecyclePolicyCommand({ lifecyclePolicyArn: arn }));
  e = await errorOf(c.send(new GetLifecyclePolicyCommand({ lifecyclePolicyArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

test('invalid policies are refused naming the member', async () => {
  const cases = [
    [policy({ resourceType: 'CONTAINER_IMAGE', policyDetails: [{ action: { type: 'DEPRECATE' }, filter: AGE(1) }] }),
      /container image policies can only DELETE/],
    [policy({ policyDetails: [{ action: { type: 'DELETE' }, filter: AGE(1) }, { action: { type: 'DELETE' }, filter: AGE(2) }] }),
      /policyDetails\[1\]\.action\.type: a policy has at most one DELETE rule/],
    [policy({ policyDetails: [{ action: { type: 'DISABLE' }, filter: { type: 'COUNT', value: 3 } }] }),
      /COUNT can only be used by a DELETE rule/],
    [policy({ policyDetails: [{ action: { type: 'DELETE' }, filter: { type: 'AGE', value: 3 } }] }),
      /filter\.unit: is required/],
    [policy({ resourceSelection: { recipes: [{ name: 'rcp', semanticVersion: '1.0.0' }], tagMap: { a: 'b' } } }),
      /exactly one of recipes or tagMap/],
    [policy({ resourceSelection: { recipes: [{ name: 'rcp', semanticVersion: 'x.2.x' }] } }),
      /semanticVersion/],
  ];
  for (const [input, msg] of cases) {
    const e = await errorOf(c.send(new CreateLifecyclePolicyCommand(input)));
    assert.ok(['InvalidParameterValueException', 'InvalidRequestException'].includes(e.name), e.name);
    assert.match(e.message, msg);
  }
});

test('StartResourceStateUpdate only changes finished images; executions are per account', async () => {
  const rec = await recipe(c);
  const infra = await infrastructure(c);
  const { imageBuildVersionArn: arn } = await c.send(new CreateImageCommand({
    imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra, clientToken: unique('ct') }));
  let e = await errorOf(c.send(new StartResourceStateUpdateCommand({
    resourceArn: arn, state: { status: 'DEPRECATED' }, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceInUseException');
  assert.match(e.message, /PENDING/);
  await c.send(new CancelImageCreationCommand({ imageBuildVersionArn: arn, clientToken: unique('ct') }));
  e = await errorOf(c.send(new StartResourceStateUpdateCommand({
    resourceArn: arn, state: { status: 'DISABLED' }, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceInUseException');
  e = await errorOf(other.send(new StartResourceStateUpdateCommand({
    resourceArn: arn, state: { status: 'DISABLED' }, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceNotFoundException');
  e = await errorOf(c.send(new GetLifecycleExecutionCommand({ lifecycleExecutionId: 'lce-a1b2c3d4-5678-90ab-cdef-000000000000' })));
  assert.equal(e.name, 'ResourceNotFoundException');
  e = await errorOf(c.send(new CancelLifecycleExecutionCommand({
    lifecycleExecutionId: 'lce-a1b2c3d4-5678-90ab-cdef-000000000000', clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceNotFoundException');
});
