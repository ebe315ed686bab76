// Ownership and sharing across accounts (resources-api.md §0.5, §2.10, §7):
// a component shared by policy is visible to the named account with
// owner=Shared and usable in its recipes; nobody else sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetComponentCommand, ListComponentsCommand, ListComponentBuildVersionsCommand, DeleteComponentCommand,
  GetComponentPolicyCommand, PutComponentPolicyCommand, CreateImageRecipeCommand,
} from '@aws-sdk/client-imagebuilder';
import { client, errorOf, account1, account2 } from './lib.mjs';
import { createComponent, sharePolicy } from './resources_fixtures.mjs';

const owner = client();
const other = client({ account: account2 });

test('unshared components are invisible to other accounts', async () => {
  const { name, arn } = await createComponent(owner);
  let e = await errorOf(other.send(new GetComponentCommand({ componentBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  const self = await other.send(new ListComponentsCommand({ filters: [{ name: 'name', values: [name] }] }));
  assert.equal(self.componentVersionList.length, 0);
  const shared = await other.send(new ListComponentsCommand({ owner: 'Shared', filters: [{ name: 'name', values: [name] }] }));
  assert.equal(shared.componentVersionList.length, 0);
  e = await errorOf(other.send(new CreateImageRecipeCommand({ name: 'uses-unshared', semanticVersion: '1.0.0',
    parentImage: 'ubuntu:22.04', components: [{ componentArn: arn }] })));
  assert.equal(e.name, 'ResourceNotFoundException');
  // Not in another region either.
  e = await errorOf(client({ region: 'eu-west-1' }).send(new GetComponentCommand({ componentBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

test('a policy shares a component with one account: Shared listing, use in recipes, no changes', async () => {
  const { name, arn } = await createComponent(owner);
  let e = await errorOf(owner.send(new GetComponentPolicyCommand({ componentArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  const policy = sharePolicy(arn, account2.accountId, ['imagebuilder:GetComponent', 'imagebuilder:ListComponents']);
  const put = await owner.send(new PutComponentPolicyCommand({ componentArn: arn, policy }));
  assert.equal(put.componentArn, arn);
  assert.equal((await owner.send(new GetComponentPolicyCommand({ componentArn: arn }))).policy, policy);

  const got = await other.send(new GetComponentCommand({ componentBuildVersionArn: arn }));
  assert.equal(got.component.owner, account1.accountId);
  const shared = await other.send(new ListComponentsCommand({ owner: 'Shared', filters: [{ name: 'name', values: [name] }] }));
  assert.deepEqual(shared.componentVersionList.map((r) => r.owner), [account1.accountId]);
  const self = await other.send(new ListComponentsCommand({ filters: [{ name: 'name', values: [name] }] }));
  assert.equal(self.componentVersionList.length, 0, 'owner=Self lists only own resources');
  const builds = await other.send(new ListComponentBuildVersionsCommand({ componentVersionArn: arn.replace(/\/1$/, '') }));
  assert.equal(builds.componentSummaryList.length, 1);
  const recipe = await other.send(new CreateImageRecipeCommand({ name: `uses-${name}`, semanticVersion: '1.0.0',
    parentImage: 'ubuntu:22.04', components: [{ componentArn: arn.replace(/1\.0\.0\/1$/, 'x.x.x') }] }));
  assert.match(recipe.imageRecipeArn, new RegExp(`:${account2.accountId}:image-recipe/`));

  e = await errorOf(other.send(new DeleteComponentCommand({ componentBuildVersionArn: arn })));
  assert.equal(e.name, 'ForbiddenException');
  e = await errorOf(other.send(new PutComponentPolicyCommand({ componentArn: arn, policy })));
  assert.equal(e.name, 'ForbiddenException');
  e = await errorOf(owner.send(new DeleteComponentCommand({ componentBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceDependencyException');
  assert.match(e.message, new RegExp(account2.accountId));

  // A third party (no grant) still sees nothing; the owner unshares, then deletes.
  await owner.send(new PutComponentPolicyCommand({ componentArn: arn,
    policy: sharePolicy(arn, account1.accountId, ['imagebuilder:GetComponent']) }));
  e = await errorOf(other.send(new GetComponentCommand({ componentBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  await owner.send(new DeleteComponentCommand({ componentBuildVersionArn: arn }));
});

test('policies that grant unsupported actions or name other resources are refused', async () => {
  const { arn } = await createComponent(owner);
  for (const policy of [
    'not json',
    sharePolicy(arn, account2.accountId, ['imagebuilder:DeleteComponent']),
    sharePolicy(arn.replace(/\/1$/, '/2'), account2.accountId, ['imagebuilder:GetComponent']),
    JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: ['bob'] }, Action: 'imagebuilder:GetComponent' }] }),
  ]) {
    const e = await errorOf(owner.send(new PutComponentPolicyCommand({ componentArn: arn, policy })));
    assert.equal(e.name, 'InvalidParameterValueException', policy);
  }
  const e = await errorOf(owner.send(new GetComponentPolicyCommand({ componentArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException', 'nothing was stored');
});
