// Image recipe and container recipe operations through the official SDK
// (resources-api.md §2.2, §2.3, §3.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateImageRecipeCommand, GetImageRecipeCommand, ListImageRecipesCommand, DeleteImageRecipeCommand,
  GetImageRecipePolicyCommand, PutImageRecipePolicyCommand,
  CreateContainerRecipeCommand, GetContainerRecipeCommand, ListContainerRecipesCommand,
  DeleteContainerRecipeCommand, GetContainerRecipePolicyCommand, PutContainerRecipePolicyCommand,
} from '@aws-sdk/client-imagebuilder';
import { client, errorOf, unique, account1, account2 } from './lib.mjs';
import { TEST_DOC, PARAM_DOC, createComponent, sharePolicy } from './resources_fixtures.mjs';

const c = client();
const UPDATE_LINUX = 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x';
const TEMPLATE = 'FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}\n';

function imageRecipe(extra = {}) {
  return {
    name: unique('recipe'), semanticVersion: '1.0.0', parentImage: 'docker.io/library/ubuntu:22.04',
    components: [{ componentArn: UPDATE_LINUX }], ...extra,
  };
}

test('CreateImageRecipe keeps every field; GetImageRecipe returns it', async () => {
  const { arn: compArn } = await createComponent(c);
  const req = imageRecipe({
    description: 'r', workingDirectory: '/var/tmp', tags: { k: 'v' }, amiTags: { a: 'b' },
    components: [{ componentArn: UPDATE_LINUX }, { componentArn: compArn.replace(/\/1\.0\.0\/1$/, '/x.x.x') }],
    blockDeviceMappings: [{ deviceName: '/dev/sda1', ebs: { volumeSize: 20, volumeType: 'gp3', encrypted: true } }],
    additionalInstanceConfiguration: { systemsManagerAgent: { uninstallAfterBuild: true } },
  });
  const out = await c.send(new CreateImageRecipeCommand(req));
  assert.equal(out.imageRecipeArn,
    `arn:aws:imagebuilder:us-east-1:${account1.accountId}:image-recipe/${req.name}/1.0.0`);
  assert.ok(out.clientToken);
  const got = (await c.send(new GetImageRecipeCommand({ imageRecipeArn: out.imageRecipeArn }))).imageRecipe;
  assert.equal(got.name, req.name);
  assert.equal(got.version, '1.0.0');
  assert.equal(got.type, 'AMI');
  assert.equal(got.platform, 'Linux');
  assert.equal(got.owner, account1.accountId);
  assert.equal(got.parentImage, req.parentImage);
  assert.deepEqual(got.components, req.components);  // stored as written (resolved at build time)
  assert.equal(got.workingDirectory, '/var/tmp');
  assert.deepEqual(got.tags, { k: 'v' });
  assert.deepEqual(got.amiTags, { a: 'b' });
  assert.equal(got.blockDeviceMappings[0].ebs.volumeSize, 20);
  assert.equal(got.additionalInstanceConfiguration.systemsManagerAgent.uninstallAfterBuild, true);
  // Wildcard recipe ARNs resolve to the latest version.
  await c.send(new CreateImageRecipeCommand({ ...req, semanticVersion: '1.2.0', clientToken: undefined }));
  const latest = await c.send(new GetImageRecipeCommand({ imageRecipeArn: out.imageRecipeArn.replace(/1\.0\.0$/, 'x.x.x') }));
  assert.equal(latest.imageRecipe.version, '1.2.0');
});

test('recipe versions are immutable: an existing version is ResourceAlreadyExistsException', async () => {
  const req = imageRecipe();
  await c.send(new CreateImageRecipeCommand(req));
  const e = await errorOf(c.send(new CreateImageRecipeCommand({ ...req, clientToken: undefined })));
  assert.equal(e.name, 'ResourceAlreadyExistsException');
  assert.match(e.message, /image-recipe\//);
});

test('recipe component checks: existence, build component, parameters, quota', async () => {
  let e = await errorOf(c.send(new CreateImageRecipeCommand(imageRecipe({
    components: [{ componentArn: `arn:aws:imagebuilder:us-east-1:${account1.accountId}:component/nope/1.0.0` }] }))));
  assert.equal(e.name, 'ResourceNotFoundException');
  assert.match(e.message, /components\[0\]/);
  const { arn: testArn } = await createComponent(c, { data: TEST_DOC });
  e = await errorOf(c.send(new CreateImageRecipeCommand(imageRecipe({ components: [{ componentArn: testArn }] }))));
  assert.equal(e.name, 'InvalidParameterValueException');
  assert.match(e.message, /build component/);
  const { arn: paramArn } = await createComponent(c, { data: PARAM_DOC });
  e = await errorOf(c.send(new CreateImageRecipeCommand(imageRecipe({ components: [{ componentArn: paramArn }] }))));
  assert.equal(e.name, 'InvalidParameterValueException');
  assert.match(e.message, /Greeting/);
  e = await errorOf(c.send(new CreateImageRecipeCommand(imageRecipe({ components: [{ componentArn: paramArn,
    parameters: [{ name: 'Greeting', value: ['hi'] }, { name: 'Colour', value: ['red'] }] }] }))));
  assert.equal(e.name, 'InvalidParameterValueException');
  assert.match(e.message, /Colour/);
  const ok = await c.send(new CreateImageRecipeCommand(imageRecipe({ components: [{ componentArn: paramArn,
    parameters: [{ name: 'Greeting', value: ['hi'] }] }] })));
  assert.ok(ok.imageRecipeArn);
  e = await errorOf(c.send(new CreateImageRecipeCommand(imageRecipe({
    components: Array.from({ length: 21 }, () => ({ componentArn: UPDATE_LINUX })) }))));
  assert.equal(e.name, 'ServiceQuotaExceededException');
  e = await errorOf(c.send(new CreateImageRecipeCommand(imageRecipe({
    components: [{ componentArn: `arn:aws:imagebuilder:us-east-1:${account1.accountId}:component/c/x.2.x` }] }))));
  assert.equal(e.name, 'InvalidParameterValueException');
  e = await errorOf(c.send(new CreateImageRecipeCommand(imageRecipe({ semanticVersion: '1.x.0' }))));
  assert.ok(['InvalidVersionNumberException', 'InvalidParameterValueException'].includes(e.name), e.name);
});

test('ListImageRecipes: rows, filters, paging', async () => {
  const prefix = unique('lr');
  for (let i = 0; i < 3; i++) await c.send(new CreateImageRecipeCommand(imageRecipe({ name: `${prefix}-${i}` })));
  const filters = [{ name: 'name', values: [0, 1, 2].map((i) => `${prefix}-${i}`) }];
  const page1 = await c.send(new ListImageRecipesCommand({ filters, maxResults: 2 }));
  assert.equal(page1.imageRecipeSummaryList.length, 2);
  const row = page1.imageRecipeSummaryList[0];
  assert.equal(row.name, `${prefix}-0`);
  assert.equal(row.platform, 'Linux');
  assert.equal(row.owner, account1.accountId);
  assert.equal(row.parentImage, 'docker.io/library/ubuntu:22.04');
  const page2 = await c.send(new ListImageRecipesCommand({ filters, maxResults: 2, nextToken: page1.nextToken }));
  assert.deepEqual(page2.imageRecipeSummaryList.map((r) => r.name), [`${prefix}-2`]);
  assert.equal(page2.nextToken, undefined);
  const byParent = await c.send(new ListImageRecipesCommand({ filters: [...filters,
    { name: 'parentImage', values: ['docker.io/library/ubuntu:22.04'] }, { name: 'platform', values: ['Linux'] }] }));
  assert.equal(byParent.imageRecipeSummaryList.length, 3);
  const e = await errorOf(c.send(new ListImageRecipesCommand({ filters: [{ name: 'version', values: ['1.0.0'] }] })));
  assert.equal(e.name, 'InvalidParameterValueException');
});

test('image recipe policies share with one account; delete is refused while shared', async () => {
  const out = await c.send(new CreateImageRecipeCommand(imageRecipe()));
  const arn = out.imageRecipeArn;
  let e = await errorOf(c.send(new GetImageRecipePolicyCommand({ imageRecipeArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  const policy = sharePolicy(arn, account2.accountId, ['imagebuilder:GetImageRecipe', 'imagebuilder:ListImageRecipes']);
  const put = await c.send(new PutImageRecipePolicyCommand({ imageRecipeArn: arn, policy }));
  assert.equal(put.imageRecipeArn, arn);
  assert.equal((await c.send(new GetImageRecipePolicyCommand({ imageRecipeArn: arn }))).policy, policy);
  const c2 = client({ account: account2 });
  const got = await c2.send(new GetImageRecipeCommand({ imageRecipeArn: arn }));
  assert.equal(got.imageRecipe.owner, account1.accountId);
  const shared = await c2.send(new ListImageRecipesCommand({ owner: 'Shared' }));
  assert.ok(shared.imageRecipeSummaryList.some((r) => r.arn === arn));
  e = await errorOf(c2.send(new DeleteImageRecipeCommand({ imageRecipeArn: arn })));
  assert.equal(e.name, 'ForbiddenException');
  e = await errorOf(c2.send(new PutImageRecipePolicyCommand({ imageRecipeArn: arn, policy })));
  assert.equal(e.name, 'ForbiddenException');
  e = await errorOf(c.send(new DeleteImageRecipeCommand({ imageRecipeArn: arn })));
  assert.equal(e.name, 'ResourceDependencyException');
  e = await errorOf(c.send(new PutImageRecipePolicyCommand({ imageRecipeArn: arn,
    policy: sharePolicy(arn, account2.accountId, ['imagebuilder:DeleteImageRecipe']) })));
  assert.equal(e.name, 'InvalidParameterValueException');
  // Unshare: a policy that grants only the owner.
  await c.send(new PutImageRecipePolicyCommand({ imageRecipeArn: arn,
    policy: sharePolicy(arn, account1.accountId, ['imagebuilder:GetImageRecipe']) }));
  e = await errorOf(c2.send(new GetImageRecipeCommand({ imageRecipeArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  const del = await c.send(new DeleteImageRecipeCommand({ imageRecipeArn: arn }));
  assert.equal(del.imageRecipeArn, arn);
  e = await errorOf(c.send(new GetImageRecipeCommand({ imageRecipeArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

function containerRecipe(extra = {}) {
  return {
    containerType: 'DOCKER', name: unique('crecipe'), semanticVersion: '1.0.0',
    parentImage: 'amazonlinux:latest', components: [{ componentArn: UPDATE_LINUX }],
    dockerfileTemplateData: TEMPLATE, targetRepository: { service: 'ECR', repositoryName: 'my-repo' },
    ...extra,
  };
}

test('container recipes: create, get, list, template placeholders, delete', async () => {
  const req = containerRecipe({ workingDirectory: '/tmp', instanceConfiguration: { image: 'ami-0123456789abcdef0' },
    tags: { x: 'y' }, kmsKeyId: 'alias/k' });
  const out = await c.send(new CreateContainerRecipeCommand(req));
  assert.match(out.containerRecipeArn, new RegExp(`container-recipe/${req.name}/1\\.0\\.0$`));
  const got = (await c.send(new GetContainerRecipeCommand({ containerRecipeArn: out.containerRecipeArn }))).containerRecipe;
  assert.equal(got.containerType, 'DOCKER');
  assert.equal(got.dockerfileTemplateData, TEMPLATE);
  assert.deepEqual(got.targetRepository, { service: 'ECR', repositoryName: 'my-repo' });
  assert.equal(got.instanceConfiguration.image, 'ami-0123456789abcdef0');
  assert.equal(got.kmsKeyId, 'alias/k');
  assert.equal(got.platform, 'Linux');
  const list = await c.send(new ListContainerRecipesCommand({ filters: [{ name: 'name', values: [req.name] },
    { name: 'containerType', values: ['DOCKER'] }] }));
  assert.equal(list.containerRecipeSummaryList.length, 1);
  assert.equal(list.containerRecipeSummaryList[0].instanceImage, 'ami-0123456789abcdef0');
  const bad = [
    ['FROM ubuntu\n{{{ imagebuilder:environments }}}\n', /parentImage/],
    ['FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}\n', /environments/],
    ['FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}\n{{{ imagebuilder:environments }}}\n', /after/],
    ['FROM {{{ imagebuilder:parentImage }}}}\n{{{ imagebuilder:environments }}}\n', /three braces/],
    ['FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\nCOPY app /app\n', /line 3: COPY needs a build context/],
  ];
  for (const [template, re] of bad) {
    const e = await errorOf(c.send(new CreateContainerRecipeCommand(containerRecipe({ dockerfileTemplateData: template }))));
    assert.equal(e.name, 'InvalidParameterValueException', template);
    assert.match(e.message, re);
  }
  let e = await errorOf(c.send(new CreateContainerRecipeCommand(containerRecipe({ dockerfileTemplateUri: 's3://b/Dockerfile' }))));
  assert.equal(e.name, 'InvalidParameterCombinationException');
  const noData = containerRecipe({ dockerfileTemplateUri: 's3://b/Dockerfile' });
  delete noData.dockerfileTemplateData;
  e = await errorOf(c.send(new CreateContainerRecipeCommand(noData)));
  assert.ok(['InvalidParameterValueException', 'InvalidRequestException'].includes(e.name), e.name);
  assert.match(e.message, /s3:\/\/b\/Dockerfile/);
  e = await errorOf(c.send(new CreateContainerRecipeCommand({ ...req, clientToken: undefined })));
  assert.equal(e.name, 'ResourceAlreadyExistsException');
  // Policies
  const policy = sharePolicy(out.containerRecipeArn, account2.accountId, ['imagebuilder:GetContainerRecipe']);
  await c.send(new PutContainerRecipePolicyCommand({ containerRecipeArn: out.containerRecipeArn, policy }));
  assert.equal((await c.send(new GetContainerRecipePolicyCommand({ containerRecipeArn: out.containerRecipeArn }))).policy, policy);
  const c2 = client({ account: account2 });
  assert.ok((await c2.send(new GetContainerRecipeCommand({ containerRecipeArn: out.containerRecipeArn }))).containerRecipe);
  e = await errorOf(c.send(new DeleteContainerRecipeCommand({ containerRecipeArn: out.containerRecipeArn })));
  assert.equal(e.name, 'ResourceDependencyException');
  await c.send(new PutContainerRecipePolicyCommand({ containerRecipeArn: out.containerRecipeArn,
    policy: sharePolicy(out.containerRecipeArn, account1.accountId, ['imagebuilder:GetContainerRecipe']) }));
  const del = await c.send(new DeleteContainerRecipeCommand({ containerRecipeArn: out.containerRecipeArn }));
  assert.equal(del.containerRecipeArn, out.containerRecipeArn);
});
