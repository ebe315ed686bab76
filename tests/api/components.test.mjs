// Component operations through the official SDK: CreateComponent,
// ImportComponent, GetComponent, ListComponents, ListComponentBuildVersions,
// DeleteComponent, Get/PutComponentPolicy (resources-api.md §2.1, §3.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateComponentCommand, ImportComponentCommand, GetComponentCommand, ListComponentsCommand,
  ListComponentBuildVersionsCommand, DeleteComponentCommand,
} from '@aws-sdk/client-imagebuilder';
import { client, errorOf, unique, account1 } from './lib.mjs';
import { BUILD_DOC, TEST_DOC, createComponent } from './resources_fixtures.mjs';

const c = client();

test('CreateComponent then GetComponent returns every field', async () => {
  const name = unique('My Comp');
  const out = await c.send(new CreateComponentCommand({
    name, semanticVersion: '1.0.0', platform: 'Linux', data: BUILD_DOC,
    description: 'd', changeDescription: 'first', supportedOsVersions: ['Ubuntu 22.04'],
    kmsKeyId: 'alias/mine', tags: { team: 'kiln' },
  }));
  const slug = name.toLowerCase().replace(/ /g, '-');
  assert.equal(out.componentBuildVersionArn,
    `arn:aws:imagebuilder:us-east-1:${account1.accountId}:component/${slug}/1.0.0/1`);
  assert.ok(out.clientToken, 'clientToken echoed');
  assert.ok(out.requestId);
  assert.equal(out.latestVersionReferences.latestVersionArn, out.componentBuildVersionArn);
  const got = await c.send(new GetComponentCommand({ componentBuildVersionArn: out.componentBuildVersionArn }));
  const comp = got.component;
  assert.equal(comp.arn, out.componentBuildVersionArn);
  assert.equal(comp.name, name);
  assert.equal(comp.version, '1.0.0');
  assert.equal(comp.type, 'BUILD');
  assert.equal(comp.platform, 'Linux');
  assert.equal(comp.owner, account1.accountId);
  assert.equal(comp.data, BUILD_DOC);
  assert.equal(comp.description, 'd');
  assert.equal(comp.changeDescription, 'first');
  assert.deepEqual(comp.supportedOsVersions, ['Ubuntu 22.04']);
  assert.equal(comp.kmsKeyId, 'alias/mine');
  assert.deepEqual(comp.tags, { team: 'kiln' });
  assert.equal(comp.state.status, 'ACTIVE');
  assert.ok(comp.dateCreated.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), comp.dateCreated);
});

test('a document whose only phase is test makes a TEST component', async () => {
  const { arn } = await createComponent(c, { data: TEST_DOC });
  const got = await c.send(new GetComponentCommand({ componentBuildVersionArn: arn }));
  assert.equal(got.component.type, 'TEST');
});

test('component parameters are read from the document', async () => {
  const { arn } = await createComponent(c, { data: `name: P
schemaVersion: 1.0
parameters:
  - Who:
      type: string
      default: world
      description: whom to greet
phases:
  - name: build
    steps:
      - name: S
        action: ExecuteBash
        inputs:
          commands: ["echo {{ Who }}"]
` });
  const got = await c.send(new GetComponentCommand({ componentBuildVersionArn: arn }));
  assert.deepEqual(got.component.parameters,
    [{ name: 'Who', type: 'string', defaultValue: ['world'], description: 'whom to greet' }]);
});

test('an invalid document is refused with the line and nothing is stored', async () => {
  const name = unique('bad');
  const bad = `name: Bad
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Nope
        action: NoSuchAction
`;
  const e = await errorOf(c.send(new CreateComponentCommand({
    name, semanticVersion: '1.0.0', platform: 'Linux', data: bad })));
  assert.equal(e.name, 'InvalidParameterValueException');
  assert.match(e.message, /NoSuchAction/);
  assert.match(e.message, /7/);  // the line of the bad step field
  const list = await c.send(new ListComponentsCommand({ filters: [{ name: 'name', values: [name] }] }));
  assert.equal(list.componentVersionList.length, 0);
});

test('an existing version is ResourceAlreadyExistsException', async () => {
  const { name } = await createComponent(c);
  const e = await errorOf(createComponent(c, { name }));
  assert.equal(e.name, 'ResourceAlreadyExistsException');
  assert.equal(e.$metadata.httpStatusCode, 400);
});

test('data and uri: exactly one; an unreadable uri is named in the error', async () => {
  let e = await errorOf(c.send(new CreateComponentCommand({
    name: unique('x'), semanticVersion: '1.0.0', platform: 'Linux', data: BUILD_DOC, uri: 's3://b/k.yml' })));
  assert.equal(e.name, 'InvalidParameterCombinationException');
  e = await errorOf(c.send(new CreateComponentCommand({
    name: unique('x'), semanticVersion: '1.0.0', platform: 'Linux' })));
  assert.equal(e.name, 'InvalidParameterCombinationException');
  e = await errorOf(c.send(new CreateComponentCommand({
    name: unique('x'), semanticVersion: '1.0.0', platform: 'Linux', uri: 's3://kiln-no-such-bucket/k.yml' })));
  assert.ok(['InvalidParameterValueException', 'InvalidRequestException'].includes(e.name), e.name);
  assert.match(e.message, /s3:\/\/kiln-no-such-bucket\/k\.yml/);
});

test('CreateComponent reads the document from an S3 uri', { skip: !process.env.KILN_TEST_S3_ENDPOINT }, async () => {
  const { S3Client, CreateBucketCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({ endpoint: process.env.KILN_TEST_S3_ENDPOINT, forcePathStyle: true, region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const bucket = unique('docs').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'c/doc.yml', Body: BUILD_DOC }));
  const name = unique('fromuri');
  const out = await c.send(new CreateComponentCommand({
    name, semanticVersion: '1.0.0', platform: 'Linux', uri: `s3://${bucket}/c/doc.yml` }));
  const got = await c.send(new GetComponentCommand({ componentBuildVersionArn: out.componentBuildVersionArn }));
  assert.equal(got.component.data, BUILD_DOC);
});

test('version nodes above 2^30-1 are InvalidVersionNumberException', async () => {
  const e = await errorOf(createComponent(c, { version: '1.0.1073741824' }));
  assert.equal(e.name, 'InvalidVersionNumberException');
});

test('clientToken: same request replays, a different request is a mismatch', async () => {
  const name = unique('idem');
  const req = { name, semanticVersion: '1.0.0', platform: 'Linux', data: BUILD_DOC, clientToken: unique('tok') };
  const a = await c.send(new CreateComponentCommand(req));
  const b = await c.send(new CreateComponentCommand(req));
  assert.equal(a.componentBuildVersionArn, b.componentBuildVersionArn);
  assert.equal(b.clientToken, req.clientToken);
  const e = await errorOf(c.send(new CreateComponentCommand({ ...req, description: 'changed' })));
  assert.equal(e.name, 'IdempotentParameterMismatchException');
});

test('dryRun checks the request and creates nothing', async () => {
  const name = unique('dry');
  const e = await errorOf(c.send(new CreateComponentCommand({
    name, semanticVersion: '1.0.0', platform: 'Linux', data: BUILD_DOC, dryRun: true })));
  assert.equal(e.name, 'DryRunOperationException');
  assert.equal(e.$metadata.httpStatusCode, 412);
  const list = await c.send(new ListComponentsCommand({ filters: [{ name: 'name', values: [name] }] }));
  assert.equal(list.componentVersionList.length, 0);
});

test('wildcard versions resolve to the latest match (guide L567-575)', async () => {
  const name = unique('wild');
  for (const v of ['2.2.4', '1.7.8', '1.6.8', '1.10.0']) await createComponent(c, { name, version: v });
  const base = `arn:aws:imagebuilder:us-east-1:${account1.accountId}:component/${name}`;
  const get = async (v) => (await c.send(new GetComponentCommand({ componentBuildVersionArn: `${base}/${v}` }))).component.version;
  assert.equal(await get('x.x.x'), '2.2.4');
  assert.equal(await get('1.x.x'), '1.10.0');
  assert.equal(await get('1.6.x'), '1.6.8');
  assert.equal(await get('1.7.8'), '1.7.8');
  for (const bad of ['x.2.x', '1.x.8']) {
    const e = await errorOf(get(bad));
    assert.equal(e.name, 'InvalidParameterValueException', bad);
  }
  const e = await errorOf(get('3.x.x'));
  assert.equal(e.name, 'ResourceNotFoundException');
  const got = await c.send(new GetComponentCommand({ componentBuildVersionArn: `${base}/1.6.8/1` }));
  assert.equal(got.latestVersionReferences.latestVersionArn, `${base}/2.2.4/1`);
  assert.equal(got.latestVersionReferences.latestMajorVersionArn, `${base}/1.10.0/1`);
  assert.equal(got.latestVersionReferences.latestMinorVersionArn, `${base}/1.6.8/1`);
});

test('ListComponents pages with maxResults/nextToken and rejects tampered tokens', async () => {
  const prefix = unique('page');
  const names = [];
  for (let i = 0; i < 5; i++) { const n = `${prefix}-${i}`; names.push(n); await createComponent(c, { name: n }); }
  const filters = [{ name: 'name', values: names }];
  const seen = [];
  let token;
  let pages = 0;
  do {
    const out = await c.send(new ListComponentsCommand({ filters, maxResults: 2, nextToken: token }));
    assert.ok(out.componentVersionList.length <= 2);
    seen.push(...out.componentVersionList.map((r) => r.name));
    token = out.nextToken;
    pages++;
  } while (token);
  assert.equal(pages, 3);
  assert.deepEqual(seen, names);
  const first = await c.send(new ListComponentsCommand({ filters, maxResults: 2 }));
  const t = first.nextToken;
  const tampered = t.slice(0, 5) + (t[5] === 'A' ? 'B' : 'A') + t.slice(6);
  let e = await errorOf(c.send(new ListComponentsCommand({ filters, maxResults: 2, nextToken: tampered })));
  assert.equal(e.name, 'InvalidPaginationTokenException');
  e = await errorOf(c.send(new ListComponentsCommand({ maxResults: 2, nextToken: t })));
  assert.equal(e.name, 'InvalidPaginationTokenException', 'a token only works for its own request');
});

test('ListComponents rows, filters, byName and unknown filters', async () => {
  const name = unique('rows');
  await createComponent(c, { name, version: '1.0.0', supportedOsVersions: ['Ubuntu 22.04'] });
  await createComponent(c, { name, version: '1.1.0', description: 'newer' });
  const all = await c.send(new ListComponentsCommand({ filters: [{ name: 'name', values: [name] }] }));
  assert.equal(all.componentVersionList.length, 2);
  const row = all.componentVersionList[0];
  assert.equal(row.arn, `arn:aws:imagebuilder:us-east-1:${account1.accountId}:component/${name}/1.0.0`);
  assert.equal(row.type, 'BUILD');
  assert.equal(row.owner, account1.accountId);
  assert.equal(row.platform, 'Linux');
  assert.equal(row.status, 'ACTIVE');
  const latest = await c.send(new ListComponentsCommand({ byName: true, filters: [{ name: 'name', values: [name] }] }));
  assert.deepEqual(latest.componentVersionList.map((r) => r.version), ['1.1.0']);
  const os = await c.send(new ListComponentsCommand({ filters: [
    { name: 'name', values: [name] }, { name: 'supportedOsVersion', values: ['Ubuntu 22.04'] }] }));
  assert.deepEqual(os.componentVersionList.map((r) => r.version), ['1.0.0']);
  const desc = await c.send(new ListComponentsCommand({ filters: [{ name: 'description', values: ['newer'] }] }));
  assert.ok(desc.componentVersionList.every((r) => r.description === 'newer'));
  const e = await errorOf(c.send(new ListComponentsCommand({ filters: [{ name: 'colour', values: ['red'] }] })));
  assert.equal(e.name, 'InvalidParameterValueException');
  assert.match(e.message, /colour/);
});

test('ListComponentBuildVersions lists the builds of one version', async () => {
  const { name, arn } = await createComponent(c, { tags: { a: 'b' } });
  const versionArn = arn.replace(/\/1$/, '');
  const out = await c.send(new ListComponentBuildVersionsCommand({ componentVersionArn: versionArn }));
  assert.equal(out.componentSummaryList.length, 1);
  const s = out.componentSummaryList[0];
  assert.equal(s.arn, arn);
  assert.equal(s.name, name);
  assert.deepEqual(s.tags, { a: 'b' });
});

test('ImportComponent wraps a script into a document of the requested type', async () => {
  const name = unique('imp');
  const out = await c.send(new ImportComponentCommand({
    name, semanticVersion: '1.0.0', type: 'TEST', format: 'SHELL', platform: 'Linux',
    data: 'echo imported' }));
  const got = await c.send(new GetComponentCommand({ componentBuildVersionArn: out.componentBuildVersionArn }));
  assert.equal(got.component.type, 'TEST');
  assert.match(got.component.data, /echo imported/);
  assert.match(got.component.data, /ExecuteBash/);
});

test('DeleteComponent removes the build; later reads are ResourceNotFoundException', async () => {
  const { arn } = await createComponent(c);
  const out = await c.send(new DeleteComponentCommand({ componentBuildVersionArn: arn }));
  assert.equal(out.componentBuildVersionArn, arn);
  let e = await errorOf(c.send(new GetComponentCommand({ componentBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
  assert.equal(e.$metadata.httpStatusCode, 404);
  e = await errorOf(c.send(new DeleteComponentCommand({ componentBuildVersionArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

test('the Kiln-managed catalogue is listed with owner=Amazon and readable, not deletable', async () => {
  const out = await c.send(new ListComponentsCommand({ owner: 'Amazon', maxResults: 25 }));
  const names = out.componentVersionList.map((r) => r.name);
  for (const n of ['update-linux', 'hello-world-linux', 'reboot-test-linux', 'simple-boot-test-linux']) {
    assert.ok(names.includes(n), `${n} in ${names}`);
  }
  assert.ok(out.componentVersionList.every((r) => r.owner === 'Amazon'));
  const arn = 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x';
  const got = await c.send(new GetComponentCommand({ componentBuildVersionArn: arn }));
  assert.match(got.component.data, /action: UpdateOS/);
  assert.equal(got.component.type, 'BUILD');
  const reboot = await c.send(new GetComponentCommand({
    componentBuildVersionArn: 'arn:aws:imagebuilder:us-east-1:aws:component/reboot-test-linux/x.x.x' }));
  assert.equal(reboot.component.type, 'TEST');
  const e = await errorOf(c.send(new DeleteComponentCommand({ componentBuildVersionArn: got.component.arn })));
  assert.equal(e.name, 'ForbiddenException');
  // The catalogue exists in every region.
  const eu = client({ region: 'eu-west-1' });
  const euList = await eu.send(new ListComponentsCommand({ owner: 'Amazon' }));
  assert.ok(euList.componentVersionList.some((r) => r.name === 'update-linux'));
  // ThirdParty and AWSMarketplace have nothing in Kiln.
  const tp = await c.send(new ListComponentsCommand({ owner: 'ThirdParty' }));
  assert.equal(tp.componentVersionList.length, 0);
});
