// Image operations with the AWS SDK: CreateImage records PENDING builds with
// server-assigned build numbers; get/list/wildcards/paging; cancel, delete,
// retry; sharing with a resource policy; idempotency; account and region
// isolation; the operations Kiln cannot perform yet answer NotImplemented.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateImageCommand, GetImageCommand, ListImagesCommand, ListImageBuildVersionsCommand,
  CancelImageCreationCommand, DeleteImageCommand, RetryImageCommand, PutImagePolicyCommand,
  GetImagePolicyCommand, ImportVmImageCommand, ImportDiskImageCommand, DistributeImageCommand,
  ListImagePackagesCommand, ListImageScanFindingsCommand, ListWorkflowExecutionsCommand,
} from '@aws-sdk/client-imagebuilder';
import { account1, account2, client, errorOf, unique } from './lib.mjs';
import { recipe, infrastructure } from './build_fixtures.mjs';

const c = client();
const other = client({ account: account2 });
const west = client({ region: 'us-west-2' });
let rec, infra;

before(async () => {
  rec = await recipe(c);
  infra = await infrastructure(c);
});

async function createImage(extra = {}) {
  const r = await c.send(new CreateImageCommand({
    imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra, clientToken: unique('ct'), ...extra,
  }));
  return r.imageBuildVersionArn;
}

test('CreateImage records PENDING builds numbered 1, 2, ... and nothing reports AVAILABLE', async () => {
  const a1 = await createImage({ tags: { team: 'kiln' } });
  const a2 = await createImage();
  assert.match(a1, new RegExp(`:111122223333:image/${rec.name}/1\\.0\\.0/1$`));
  assert.ok(a2.endsWith('/1.0.0/2'), a2);
  const { image } = await c.send(new GetImageCommand({ imageBuildVersionArn: a1 }));
  assert.equal(image.state.status, 'PENDING');
  assert.equal(image.type, 'AMI');
  assert.equal(image.buildType, 'USER_INITIATED');
  assert.equal(image.imageRecipe.arn, rec.arn);
  assert.equal(image.infrastructureConfiguration.arn, infra);
  assert.deepEqual(image.tags, { team: 'kiln' });
  assert.equal(image.imageTestsConfiguration.imageTestsEnabled, true);
  assert.equal(image.enhancedImageMetadataEnabled, true);
  assert.ok(image.dateCreated);

  const list = await c.send(new ListImagesCommand({ filters: [{ name: 'name', values: [rec.name] }] }));
  assert.equal(list.imageVersionList.length, 1, 'one row per version');
  assert.ok(list.imageVersionList[0].arn.endsWith(`/${rec.name}/1.0.0`));
  assert.equal(list.imageVersionList[0].owner, account1.accountId);

  const versionArn = a1.replace(/\/1$/, '');
  const builds = await c.send(new ListImageBuildVersionsCommand({ imageVersionArn: versionArn }));
  assert.deepEqual(builds.imageSummaryList.map((s) => s.version), ['1.0.0/1', '1.0.0/2']);
  assert.ok(builds.imageSummaryList.every((s) => s.state.status === 'PENDING'));

  // A wildcard or version ARN resolves to the latest build.
  const latest = await c.send(new GetImageCommand({ imageBuildVersionArn: a1.replace(/1\.0\.0\/1$/, 'x.x.x') }));
  assert.equal(latest.image.arn, a2);

  // Paging: one build per page, and a tampered token is refused.
  const p1 = await c.send(new ListImageBuildVersionsCommand({ imageVersionArn: versionArn, maxResults: 1 }));
  assert.equal(p1.imageSummaryList.length, 1);
  assert.ok(p1.nextToken);
  const p2 = await c.send(new ListImageBuildVersionsCommand({ imageVersionArn: versionArn, maxResults: 1, nextToken: p1.nextToken }));
  assert.equal(p2.imageSummaryList[0].arn, a2);
  const bad = await errorOf(c.send(new ListImageBuildVersionsCommand({
    imageVersionArn: versionArn, nextToken: p1.nextToken.slice(0, -2) + 'xx' })));
  assert.equal(bad.name, 'InvalidPaginationTokenException');

  // No workflow has started for a PENDING build.
  const wfs = await c.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: a1 }));
  assert.deepEqual(wfs.workflowExecutions, []);
});

test('CreateImage is idempotent per clientToken', async () => {
  const token = unique('ct');
  const input = { imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra, clientToken: token };
  const a = await c.send(new CreateImageCommand(input));
  const b = await c.send(new CreateImageCommand(input));
  assert.equal(a.imageBuildVersionArn, b.imageBuildVersionArn);
  assert.equal(b.clientToken, token);
  const e = await errorOf(c.send(new CreateImageCommand({ ...input, tags: { changed: 'yes' } })));
  assert.equal(e.name, 'IdempotentParameterMismatchException');
});

test('CreateImage validates its references and combinations', async () => {
  let e = await errorOf(c.send(new CreateImageCommand({ infrastructureConfigurationArn: infra, clientToken: unique('ct') })));
  assert.equal(e.name, 'InvalidParameterCombinationException');
  assert.match(e.message, /exactly one of imageRecipeArn or containerRecipeArn/);
  e = await errorOf(c.send(new CreateImageCommand({
    imageRecipeArn: rec.arn, containerRecipeArn: rec.arn.replace('image-recipe', 'container-recipe'),
    infrastructureConfigurationArn: infra, clientToken: unique('ct') })));
  assert.equal(e.name, 'InvalidParameterCombinationException');
  e = await errorOf(c.send(new CreateImageCommand({
    imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra.replace(/[^/]+$/, 'missing'), clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceNotFoundException');
  e = await errorOf(c.send(new CreateImageCommand({
    imageRecipeArn: rec.arn.replace(/1\.0\.0$/, '9.9.9'), infrastructureConfigurationArn: infra, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceNotFoundException');
  e = await errorOf(c.send(new CreateImageCommand({
    imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra, clientToken: unique('ct'),
    workflows: [{ workflowArn: 'arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/x.x.x' }] })));
  assert.equal(e.name, 'InvalidParameterCombinationException');
  assert.match(e.message, /executionRole/);
  e = await errorOf(c.send(new CreateImageCommand({
    imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra, clientToken: unique('ct'),
    imageTestsConfiguration: { timeoutMinutes: 30 } })));
  // The model's range (60-1440) is checked by the router before the handler.
  assert.equal(e.name, 'InvalidRequestException');
  assert.match(e.message, /timeoutMinutes/);
});

test('CancelImageCreation cancels a PENDING build; delete needs it cancelled first', async () => {
  const arn = await createImage();
  let e = await errorOf(c.send(new DeleteImageCommand({ imageBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceDependencyException');
  const r = await c.send(new CancelImageCreationCommand({ imageBuildVersionArn: arn, clientToken: unique('ct') }));
  assert.equal(r.imageBuildVersionArn, arn);
  const { image } = await c.send(new GetImageCommand({ imageBuildVersionArn: arn }));
  assert.equal(image.state.status, 'CANCELLED');
  e = await errorOf(c.send(new CancelImageCreationCommand({ imageBuildVersionArn: arn, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceInUseException');
  e = await errorOf(c.send(new RetryImageCommand({ imageBuildVersionArn: arn, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceInUseException');
  assert.match(e.message, /only FAILED/);
  // Another account cannot delete it, the owner can.
  e = await errorOf(other.send(new DeleteImageCommand({ imageBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  await c.send(new DeleteImageCommand({ imageBuildVersionArn: arn }));
  e = await errorOf(c.send(new GetImageCommand({ imageBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

test('a pipeline ARN given to CancelImageCreation is refused with a clear message', async () => {
  const e = await errorOf(c.send(new CancelImageCreationCommand({
    imageBuildVersionArn: `arn:aws:imagebuilder:us-east-1:${account1.accountId}:image-pipeline/p`, clientToken: unique('ct') })));
  assert.ok(['InvalidParameterValueException', 'InvalidRequestException'].includes(e.name), e.name);
});

test('images are shared with a resource policy and stay private otherwise', async () => {
  const arn = await createImage();
  let e = await errorOf(other.send(new GetImageCommand({ imageBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  e = await errorOf(c.send(new GetImagePolicyCommand({ imageArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: [account2.accountId] },
      Action: ['imagebuilder:GetImage', 'imagebuilder:ListImages'], Resource: [arn] }],
  });
  await c.send(new PutImagePolicyCommand({ imageArn: arn, policy }));
  const got = await c.send(new GetImagePolicyCommand({ imageArn: arn }));
  assert.deepEqual(JSON.parse(got.policy), JSON.parse(policy));
  const seen = await other.send(new GetImageCommand({ imageBuildVersionArn: arn }));
  assert.equal(seen.image.arn, arn);
  const shared = await other.send(new ListImagesCommand({ owner: 'Shared' }));
  assert.ok(shared.imageVersionList.some((v) => arn.startsWith(v.arn)), 'listed as Shared');
  e = await errorOf(other.send(new PutImagePolicyCommand({ imageArn: arn, policy })));
  assert.equal(e.name, 'ForbiddenException');
  e = await errorOf(other.send(new ListImageBuildVersionsCommand({ imageVersionArn: arn.replace(/\/\d+$/, '') })));
  assert.equal(e.name, 'ForbiddenException');
  // A shared image cannot be deleted until it is unshared (and it is building).
  await c.send(new CancelImageCreationCommand({ imageBuildVersionArn: arn, clientToken: unique('ct') }));
  e = await errorOf(c.send(new DeleteImageCommand({ imageBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceDependencyException');
});

test('images are isolated by region', async () => {
  const arn = await createImage();
  const e = await errorOf(west.send(new GetImageCommand({ imageBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  const list = await west.send(new ListImagesCommand({}));
  assert.ok(!list.imageVersionList.some((v) => v.name === rec.name));
});

test('operations that need missing machinery say so (NotImplemented), after validating', async () => {
  let e = await errorOf(c.send(new ImportVmImageCommand({
    name: unique('vm'), semanticVersion: '1.0.0', platform: 'Linux', vmImportTaskId: 'import-ami-1234567890abcdef0', clientToken: unique('ct') })));
  assert.equal(e.name, 'NotImplementedException');
  assert.match(e.message, /VM Import/);
  e = await errorOf(c.send(new ImportVmImageCommand({
    name: unique('vm'), semanticVersion: '1.x.0', platform: 'Linux', vmImportTaskId: 'import-ami-1', clientToken: unique('ct') })));
  assert.notEqual(e.name, 'NotImplementedException');
  e = await errorOf(c.send(new ImportDiskImageCommand({
    name: unique('iso'), semanticVersion: '1.0.0', platform: 'Windows', osVersion: 'Microsoft Windows 11',
    infrastructureConfigurationArn: infra, uri: 's3://bucket/win.ISO', clientToken: unique('ct') })));
  assert.equal(e.name, 'NotImplementedException');
  e = await errorOf(c.send(new ImportDiskImageCommand({
    name: unique('iso'), semanticVersion: '1.0.0', platform: 'Windows', osVersion: 'Microsoft Windows 11',
    infrastructureConfigurationArn: infra, uri: 's3://bucket/win.img', clientToken: unique('ct') })));
  assert.equal(e.name, 'InvalidParameterValueException');
  const arn = await createImage();
  e = await errorOf(c.send(new DistributeImageCommand({
    sourceImage: arn, distributionConfigurationArn: infra.replace('infrastructure', 'distribution'),
    executionRole: 'role', clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceInUseException', 'a PENDING image cannot be distributed');
  e = await errorOf(c.send(new ListImageScanFindingsCommand({})));
  assert.equal(e.name, 'NotImplementedException');
  const pkgs = await c.send(new ListImagePackagesCommand({ imageBuildVersionArn: arn }));
  assert.deepEqual(pkgs.imagePackageList, [], 'no inventory before a build collected one');
});
