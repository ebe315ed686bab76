// TagResource, UntagResource, ListTagsForResource on every resource type this
// branch stores, and GetMarketplaceResource.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TagResourceCommand, UntagResourceCommand, ListTagsForResourceCommand, GetComponentCommand,
  CreateImageRecipeCommand, CreateInfrastructureConfigurationCommand, CreateDistributionConfigurationCommand,
  GetMarketplaceResourceCommand,
} from '@aws-sdk/client-imagebuilder';
import { client, errorOf, unique, account1, account2 } from './lib.mjs';
import { createComponent } from './resources_fixtures.mjs';

const c = client();

async function arnsOfEveryType() {
  const { arn: component } = await createComponent(c, { tags: { start: '1' } });
  const { imageRecipeArn: recipe } = await c.send(new CreateImageRecipeCommand({ name: unique('r'),
    semanticVersion: '1.0.0', parentImage: 'ubuntu:22.04',
    components: [{ componentArn: 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x' }],
    tags: { start: '1' } }));
  const { infrastructureConfigurationArn: infra } = await c.send(new CreateInfrastructureConfigurationCommand({
    name: unique('i'), instanceProfileName: 'p', tags: { start: '1' } }));
  const { distributionConfigurationArn: dist } = await c.send(new CreateDistributionConfigurationCommand({
    name: unique('d'), distributions: [{ region: 'us-east-1' }], tags: { start: '1' } }));
  return { component, recipe, infra, dist };
}

test('tags can be added, listed and removed on every resource type', async () => {
  for (const [type, arn] of Object.entries(await arnsOfEveryType())) {
    await c.send(new TagResourceCommand({ resourceArn: arn, tags: { a: '1', b: '2' } }));
    let tags = (await c.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags;
    assert.deepEqual(tags, { start: '1', a: '1', b: '2' }, type);
    await c.send(new TagResourceCommand({ resourceArn: arn, tags: { a: 'changed' } }));
    await c.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['b', 'start'] }));
    tags = (await c.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags;
    assert.deepEqual(tags, { a: 'changed' }, type);
  }
});

test('tags on an immutable component show in GetComponent', async () => {
  const { arn } = await createComponent(c);
  await c.send(new TagResourceCommand({ resourceArn: arn, tags: { k: 'v' } }));
  const got = await c.send(new GetComponentCommand({ componentBuildVersionArn: arn }));
  assert.deepEqual(got.component.tags, { k: 'v' });
});

test('tag errors: unknown resource, other account, too many, reserved prefix', async () => {
  const missing = `arn:aws:imagebuilder:us-east-1:${account1.accountId}:image-recipe/nothing-here/1.0.0`;
  let e = await errorOf(c.send(new TagResourceCommand({ resourceArn: missing, tags: { a: 'b' } })));
  assert.equal(e.name, 'ResourceNotFoundException');
  e = await errorOf(c.send(new ListTagsForResourceCommand({ resourceArn: missing })));
  assert.equal(e.name, 'ResourceNotFoundException');
  const { arn } = await createComponent(c);
  const c2 = client({ account: account2 });
  e = await errorOf(c2.send(new TagResourceCommand({ resourceArn: arn, tags: { a: 'b' } })));
  assert.equal(e.name, 'ResourceNotFoundException');
  const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v']));
  await c.send(new TagResourceCommand({ resourceArn: arn, tags: many }));
  const more = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`m${i}`, 'v']));
  e = await errorOf(c.send(new TagResourceCommand({ resourceArn: arn, tags: more })));
  assert.equal(e.name, 'InvalidParameterException');
  e = await errorOf(c.send(new TagResourceCommand({ resourceArn: arn, tags: { 'aws:reserved': 'v' } })));
  assert.ok(['InvalidParameterException', 'InvalidParameterValueException'].includes(e.name), e.name);
  const tags = (await c.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags;
  assert.equal(Object.keys(tags).length, 30, 'failed calls changed nothing');
});

test('GetMarketplaceResource: Kiln has no Marketplace', async () => {
  const arn = 'arn:aws:imagebuilder:us-east-1:aws-marketplace:component/example-linux-software-component/1.0.1/1';
  const e = await errorOf(c.send(new GetMarketplaceResourceCommand({ resourceType: 'COMPONENT_DATA', resourceArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  assert.match(e.message, /Marketplace/);
  assert.match(e.message, /example-linux-software-component/);
});
