// Infrastructure and distribution configuration operations through the
// official SDK (resources-api.md §2.4, §2.5, §3.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateInfrastructureConfigurationCommand, UpdateInfrastructureConfigurationCommand,
  GetInfrastructureConfigurationCommand, ListInfrastructureConfigurationsCommand,
  DeleteInfrastructureConfigurationCommand,
  CreateDistributionConfigurationCommand, UpdateDistributionConfigurationCommand,
  GetDistributionConfigurationCommand, ListDistributionConfigurationsCommand,
  DeleteDistributionConfigurationCommand,
} from '@aws-sdk/client-imagebuilder';
import { client, errorOf, unique, account1, account2 } from './lib.mjs';

const c = client();

test('infrastructure configuration: create, get (defaults), update replaces, list, delete', async () => {
  const name = unique('Infra Config');
  const out = await c.send(new CreateInfrastructureConfigurationCommand({
    name, instanceProfileName: 'kiln-profile', instanceTypes: ['m5.large', 'm5.xlarge'],
    description: 'first', subnetId: 'subnet-1', securityGroupIds: ['sg-1'], keyPair: 'kp',
    logging: { s3Logs: { s3BucketName: 'logs', s3KeyPrefix: 'ib' } },
    resourceTags: { env: 'test' }, tags: { owner: 'me' },
    instanceMetadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 },
  }));
  const slug = name.toLowerCase().replace(/ /g, '-');
  const arn = `arn:aws:imagebuilder:us-east-1:${account1.accountId}:infrastructure-configuration/${slug}`;
  assert.equal(out.infrastructureConfigurationArn, arn);
  let got = (await c.send(new GetInfrastructureConfigurationCommand({ infrastructureConfigurationArn: arn }))).infrastructureConfiguration;
  assert.equal(got.name, name);
  assert.equal(got.terminateInstanceOnFailure, true, 'default true (guide L11369)');
  assert.deepEqual(got.instanceTypes, ['m5.large', 'm5.xlarge']);
  assert.deepEqual(got.logging, { s3Logs: { s3BucketName: 'logs', s3KeyPrefix: 'ib' } });
  assert.deepEqual(got.resourceTags, { env: 'test' });
  assert.deepEqual(got.tags, { owner: 'me' });
  assert.equal(got.instanceMetadataOptions.httpTokens, 'required');
  assert.ok(got.dateCreated);
  const e = await errorOf(c.send(new CreateInfrastructureConfigurationCommand({ name, instanceProfileName: 'p' })));
  assert.equal(e.name, 'ResourceAlreadyExistsException');

  await c.send(new UpdateInfrastructureConfigurationCommand({
    infrastructureConfigurationArn: arn, instanceProfileName: 'other-profile', description: 'second',
    terminateInstanceOnFailure: false }));
  got = (await c.send(new GetInfrastructureConfigurationCommand({ infrastructureConfigurationArn: arn }))).infrastructureConfiguration;
  assert.equal(got.instanceProfileName, 'other-profile');
  assert.equal(got.description, 'second');
  assert.equal(got.terminateInstanceOnFailure, false);
  assert.equal(got.instanceTypes, undefined, 'full replacement clears omitted members');
  assert.equal(got.name, name);
  assert.deepEqual(got.tags, { owner: 'me' }, 'tags are not changed by Update');
  assert.ok(got.dateUpdated);

  const list = await c.send(new ListInfrastructureConfigurationsCommand({ filters: [{ name: 'name', values: [name] }] }));
  assert.equal(list.infrastructureConfigurationSummaryList.length, 1);
  assert.equal(list.infrastructureConfigurationSummaryList[0].instanceProfileName, 'other-profile');
  const bad = await errorOf(c.send(new ListInfrastructureConfigurationsCommand({ filters: [{ name: 'platform', values: ['Linux'] }] })));
  assert.equal(bad.name, 'InvalidParameterValueException');

  // Another account neither sees nor changes it.
  const c2 = client({ account: account2 });
  let e2 = await errorOf(c2.send(new GetInfrastructureConfigurationCommand({ infrastructureConfigurationArn: arn })));
  assert.equal(e2.name, 'ResourceNotFoundException');
  e2 = await errorOf(c2.send(new DeleteInfrastructureConfigurationCommand({ infrastructureConfigurationArn: arn })));
  assert.equal(e2.name, 'ResourceNotFoundException');
  const l2 = await c2.send(new ListInfrastructureConfigurationsCommand({ filters: [{ name: 'name', values: [name] }] }));
  assert.equal(l2.infrastructureConfigurationSummaryList.length, 0);

  const del = await c.send(new DeleteInfrastructureConfigurationCommand({ infrastructureConfigurationArn: arn }));
  assert.equal(del.infrastructureConfigurationArn, arn);
  e2 = await errorOf(c.send(new GetInfrastructureConfigurationCommand({ infrastructureConfigurationArn: arn })));
  assert.equal(e2.name, 'ResourceNotFoundException');
});

test('update idempotency: same token replays, different request mismatches', async () => {
  const name = unique('infra');
  const { infrastructureConfigurationArn: arn } = await c.send(new CreateInfrastructureConfigurationCommand({ name, instanceProfileName: 'p' }));
  const req = { infrastructureConfigurationArn: arn, instanceProfileName: 'p2', clientToken: unique('tok') };
  await c.send(new UpdateInfrastructureConfigurationCommand(req));
  const again = await c.send(new UpdateInfrastructureConfigurationCommand(req));
  assert.equal(again.infrastructureConfigurationArn, arn);
  const e = await errorOf(c.send(new UpdateInfrastructureConfigurationCommand({ ...req, instanceProfileName: 'p3' })));
  assert.equal(e.name, 'IdempotentParameterMismatchException');
});

test('each region is its own namespace', async () => {
  const name = unique('regional');
  await c.send(new CreateInfrastructureConfigurationCommand({ name, instanceProfileName: 'p' }));
  const eu = client({ region: 'eu-west-1' });
  const list = await eu.send(new ListInfrastructureConfigurationsCommand({ filters: [{ name: 'name', values: [name] }] }));
  assert.equal(list.infrastructureConfigurationSummaryList.length, 0);
  // The same name is free in the other region.
  const out = await eu.send(new CreateInfrastructureConfigurationCommand({ name, instanceProfileName: 'p' }));
  assert.match(out.infrastructureConfigurationArn, /:eu-west-1:/);
  const e = await errorOf(eu.send(new GetInfrastructureConfigurationCommand({
    infrastructureConfigurationArn: out.infrastructureConfigurationArn.replace('eu-west-1', 'us-east-1').replace(name, `${name}-x`) })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

test('distribution configuration: create, get, update, list, validation, delete', async () => {
  const name = unique('dist');
  const distributions = [
    { region: 'us-east-1', amiDistributionConfiguration: { name: 'ami-{{imagebuilder:buildDate}}',
      amiTags: { t: '1' }, launchPermission: { userIds: ['123456789012'] } } },
    { region: 'eu-west-1', containerDistributionConfiguration: { containerTags: ['latest'],
      targetRepository: { service: 'ECR', repositoryName: 'repo' } } },
  ];
  const out = await c.send(new CreateDistributionConfigurationCommand({ name, description: 'd', distributions, tags: { a: 'b' } }));
  const arn = out.distributionConfigurationArn;
  assert.equal(arn, `arn:aws:imagebuilder:us-east-1:${account1.accountId}:distribution-configuration/${name}`);
  let got = (await c.send(new GetDistributionConfigurationCommand({ distributionConfigurationArn: arn }))).distributionConfiguration;
  assert.deepEqual(got.distributions, distributions);
  assert.equal(got.timeoutMinutes, 720);
  assert.deepEqual(got.tags, { a: 'b' });
  await c.send(new UpdateDistributionConfigurationCommand({ distributionConfigurationArn: arn, distributions: [distributions[0]] }));
  got = (await c.send(new GetDistributionConfigurationCommand({ distributionConfigurationArn: arn }))).distributionConfiguration;
  assert.equal(got.distributions.length, 1);
  assert.equal(got.description, undefined);
  const list = await c.send(new ListDistributionConfigurationsCommand({ filters: [{ name: 'name', values: [name] }] }));
  assert.deepEqual(list.distributionConfigurationSummaryList[0].regions, ['us-east-1']);

  let e = await errorOf(c.send(new CreateDistributionConfigurationCommand({ name: unique('d'), distributions: [
    { region: 'us-east-1', fastLaunchConfigurations: [{ enabled: true,
      launchTemplate: { launchTemplateId: 'lt-01234567890123456', launchTemplateName: 'n' } }] }] })));
  assert.equal(e.name, 'InvalidParameterCombinationException');
  e = await errorOf(c.send(new CreateDistributionConfigurationCommand({ name: unique('d'), distributions: [
    { region: 'us-east-1', fastLaunchConfigurations: [{ enabled: true, accountId: account2.accountId }] }] })));
  assert.equal(e.name, 'InvalidParameterValueException');
  assert.match(e.message, /Fast Launch/);
  e = await errorOf(c.send(new CreateDistributionConfigurationCommand({ name: unique('d'), distributions: [
    { region: 'us-east-1' }, { region: 'us-east-1' }] })));
  assert.equal(e.name, 'InvalidParameterValueException');
  e = await errorOf(c.send(new CreateDistributionConfigurationCommand({ name, distributions })));
  assert.equal(e.name, 'ResourceAlreadyExistsException');

  await c.send(new DeleteDistributionConfigurationCommand({ distributionConfigurationArn: arn }));
  e = await errorOf(c.send(new GetDistributionConfigurationCommand({ distributionConfigurationArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});
