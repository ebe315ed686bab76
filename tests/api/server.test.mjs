// Conformance of the HTTP front of `kiln serve` with the AWS SDK for
// JavaScript v3: signatures, routing, validation errors, health and metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateComponentCommand, GetComponentCommand, ListComponentsCommand, ListTagsForResourceCommand,
  UntagResourceCommand, InvalidRequestException, ImagebuilderServiceException,
  ListImageScanFindingAggregationsCommand, ListImageScanFindingsCommand,
} from '@aws-sdk/client-imagebuilder';
import { account1, account2, client, endpoint, errorOf, unique } from './lib.mjs';

const ARN = 'arn:aws:imagebuilder:us-east-1:123456789012:component/abc/1.0.0/1';

// Rewrites the serialised request before the SDK signs it, so that tests can
// send signed requests the model would never produce.
function rewriting(c, fn) {
  c.middlewareStack.add((next) => async (args) => {
    fn(args.request);
    // Keep Content-Length true to the rewritten body.
    for (const h of Object.keys(args.request.headers)) {
      if (h.toLowerCase() === 'content-length') delete args.request.headers[h];
    }
    if (args.request.body !== undefined) {
      args.request.headers['content-length'] = String(Buffer.byteLength(args.request.body));
    }
    return next(args);
  }, { step: 'build', priority: 'low', name: 'kilnTestRewrite' });
  return c;
}

test('GET /healthz answers 200 ok without a signature', async () => {
  const r = await fetch(`${endpoint}/healthz`);
  assert.equal(r.status, 200);
  assert.equal((await r.text()).trim(), 'ok');
});

test('an unsigned API call is refused with MissingAuthenticationTokenException', async () => {
  const r = await fetch(`${endpoint}/ListComponents`, { method: 'POST', body: '{}' });
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  assert.match((await r.json()).message, /Missing Authentication Token/);
  assert.ok(r.headers.get('x-amzn-requestid'));
});

test('a wrong secret is InvalidSignatureException (403)', async () => {
  const c = client({ account: { accessKeyId: account1.accessKeyId, secretAccessKey: 'not-the-secret' } });
  const e = await errorOf(c.send(new ListComponentsCommand({})));
  assert.equal(e.name, 'InvalidSignatureException');
  assert.equal(e.$metadata.httpStatusCode, 403);
  assert.match(e.message, /signature/i);
});

test('an unknown access key is UnrecognizedClientException (403)', async () => {
  const c = client({ account: { accessKeyId: 'AKIDNOSUCHKEY', secretAccessKey: 'x' } });
  const e = await errorOf(c.send(new ListComponentsCommand({})));
  assert.equal(e.name, 'UnrecognizedClientException');
  assert.equal(e.$metadata.httpStatusCode, 403);
});

test('a request signed 20 minutes in the past is refused as expired', async () => {
  const c = client({ extra: { systemClockOffset: -20 * 60 * 1000 } });
  const e = await errorOf(c.send(new ListComponentsCommand({})));
  assert.equal(e.name, 'InvalidSignatureException');
  assert.match(e.message, /Signature expired/);
});

test('the SDK corrects its clock from the Date header and retries past a skew error', async () => {
  const c = client({ extra: { systemClockOffset: -20 * 60 * 1000, maxAttempts: 2 } });
  const e = await c.send(new ListComponentsCommand({})).then(() => null, (err) => err);
  // Whatever ListComponents answers now, it is no longer a signature error.
  assert.ok(!e || e.name !== 'InvalidSignatureException', e && e.message);
});

test('a tampered body fails the signature check', async () => {
  const c = client();
  c.middlewareStack.add((next) => async (args) => {
    args.request.body = '{"owner":"Amazon"}';  // after signing
    return next(args);
  }, { step: 'finalizeRequest', priority: 'low', name: 'kilnTamper' });
  const e = await errorOf(c.send(new ListComponentsCommand({})));
  assert.equal(e.name, 'InvalidSignatureException');
});

test('a region that is not an AWS region name is refused', async () => {
  const e = await errorOf(client({ region: 'nowhere' }).send(new ListComponentsCommand({})));
  assert.equal(e.name, 'InvalidSignatureException');
  assert.match(e.message, /valid region/);
});

test('validation errors become the modeled exception, naming the field and rule', async () => {
  const e = await errorOf(client().send(new CreateComponentCommand({
    name: 'my-component', semanticVersion: '1.0', platform: 'Linux', data: 'x', clientToken: 't1',
  })));
  assert.ok(e instanceof InvalidRequestException, `got ${e.name}: ${e.message}`);
  assert.equal(e.$metadata.httpStatusCode, 400);
  assert.match(e.message, /^1 validation error detected: Value '1.0' at 'semanticVersion' failed to satisfy constraint: Member must satisfy regular expression pattern/);
});

test('a missing required member is reported as null', async () => {
  const e = await errorOf(client().send(new CreateComponentCommand({
    semanticVersion: '1.0.0', platform: 'Linux', data: 'x', clientToken: 't2',
  })));
  assert.ok(e instanceof InvalidRequestException);
  assert.match(e.message, /Value null at 'name' failed to satisfy constraint: Member must not be null/);
});

test('enum, range and nested list constraints are checked', async () => {
  let e = await errorOf(client().send(new CreateComponentCommand({
    name: 'my-component', semanticVersion: '1.0.0', platform: 'Plan9', data: 'x', clientToken: 't3',
  })));
  assert.match(e.message, /at 'platform' failed to satisfy constraint: Member must satisfy enum value set: \[Windows, Linux, macOS\]/);
  e = await errorOf(client().send(new ListComponentsCommand({ maxResults: 100 })));
  assert.match(e.message, /at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 25/);
  e = await errorOf(client().send(new ListComponentsCommand({ filters: [{ name: 'na me', values: ['x'] }] })));
  assert.match(e.message, /at 'filters.1.member.name' failed to satisfy constraint/);
});

test('query-string members are bound and validated (GetComponent ARN)', async () => {
  const e = await errorOf(client().send(new GetComponentCommand({ componentBuildVersionArn: 'arn:bogus' })));
  assert.ok(e instanceof InvalidRequestException, `${e.name}: ${e.message}`);
  assert.match(e.message, /Value 'arn:bogus' at 'componentBuildVersionArn'/);
});

test('a URI label with an encoded ARN and repeated tagKeys reach the operation', async () => {
  // Valid input passes validation: the answer is the operation's, not a 4xx
  // about binding (NotImplementedException until the tag handlers exist).
  for (const cmd of [new ListTagsForResourceCommand({ resourceArn: ARN }),
    new UntagResourceCommand({ resourceArn: ARN, tagKeys: ['a', 'b c'] })]) {
    const e = await client().send(cmd).then(() => null, (err) => err);
    if (e) assert.ok(['NotImplementedException', 'ResourceNotFoundException'].includes(e.name), `${e.name}: ${e.message}`);
  }
  const e = await errorOf(client().send(new UntagResourceCommand({ resourceArn: ARN, tagKeys: ['aws:x'] })));
  assert.match(e.message, /at 'tagKeys.1.member'/);
});

test('an unknown path is UnknownOperationException (404) once signed', async () => {
  const c = rewriting(client(), (req) => { req.path = '/NoSuchOperation'; });
  const e = await errorOf(c.send(new ListComponentsCommand({})));
  assert.equal(e.name, 'UnknownOperationException');
  assert.equal(e.$metadata.httpStatusCode, 404);
});

test('the wrong method on a known path is 405 naming the right one', async () => {
  const c = rewriting(client(), (req) => { req.method = 'GET'; req.body = undefined; });
  const e = await errorOf(c.send(new ListComponentsCommand({})));
  assert.equal(e.$metadata.httpStatusCode, 405);
  assert.match(e.message, /use POST \(ListComponents\)/);
});

test('a body that is not JSON is SerializationException', async () => {
  const c = rewriting(client(), (req) => { req.body = '{"owner": '; });
  const e = await errorOf(c.send(new ListComponentsCommand({})));
  assert.equal(e.name, 'SerializationException');
  assert.equal(e.$metadata.httpStatusCode, 400);
});

test('a body over the size limit is refused with 413', async () => {
  const r = await fetch(`${endpoint}/ListComponents`, { method: 'POST', body: 'x'.repeat(5 * 1024 * 1024) })
    .catch((err) => ({ status: 'reset', err }));
  // The server answers 413 and closes; a client still sending may see a reset.
  assert.ok(r.status === 413 || r.status === 'reset', `status ${r.status}`);
});

test('headers over the size limit are refused with 431', async () => {
  const r = await fetch(`${endpoint}/healthz`, { headers: { 'x-big': 'y'.repeat(20 * 1024) } })
    .catch((err) => ({ status: 'reset', err }));
  assert.ok(r.status === 431 || r.status === 'reset', `status ${r.status}`);
  // The server is still serving afterwards.
  assert.equal((await fetch(`${endpoint}/healthz`)).status, 200);
});

test('operations without a handler say so by name (NotImplementedException, 501)', async (t) => {
  // The first of these that has no handler in this build shows the answer.
  for (const [op, Cmd, input] of [
    ['ListImageScanFindingAggregations', ListImageScanFindingAggregationsCommand, {}],
    ['ListImageScanFindings', ListImageScanFindingsCommand, {}],
    ['ListComponents', ListComponentsCommand, {}]]) {
    const e = await client().send(new Cmd(input)).then(() => null, (err) => err);
    if (!e || e.name !== 'NotImplementedException') continue;
    assert.equal(e.$metadata.httpStatusCode, 501);
    assert.ok(e instanceof ImagebuilderServiceException);
    assert.match(e.message, new RegExp(op));
    return;
  }
  t.skip('every candidate operation is implemented');
});

test('many concurrent keep-alive calls all get answers', async () => {
  const c = client();
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    c.send(new GetComponentCommand({ componentBuildVersionArn: i % 2 ? ARN : 'bad' })).then(() => 'ok', (e) => e.name)));
  assert.equal(results.length, 200);
  for (const r of results) assert.ok(typeof r === 'string' && r.length > 0);
  assert.ok(results.filter((r) => r === 'InvalidRequestException').length === 100);
});

test('components are isolated by account and region', async (t) => {
  const name = unique('iso');
  const created = await client().send(new CreateComponentCommand({
    name, semanticVersion: '1.0.0', platform: 'Linux', clientToken: unique('tok'),
    data: 'name: x\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: s\n        action: ExecuteBash\n        inputs:\n          commands: ["true"]\n',
  })).catch((e) => e);
  if (created instanceof Error) {
    if (created.name === 'NotImplementedException') return t.skip('CreateComponent not implemented yet');
    throw created;
  }
  const names = async (c) => ((await c.send(new ListComponentsCommand({}))).componentVersionList ?? []).map((v) => v.name);
  assert.ok((await names(client())).includes(name));
  assert.ok(!(await names(client({ region: 'us-west-2' }))).includes(name), 'visible in another region');
  assert.ok(!(await names(client({ account: account2 }))).includes(name), 'visible to another account');
  assert.match(created.componentBuildVersionArn, new RegExp(`:${account1.accountId}:component/`));
});

test('GET /metrics exposes counts by operation and status, latency and in-flight', async () => {
  await errorOf(client().send(new GetComponentCommand({ componentBuildVersionArn: 'bad' })));
  const r = await fetch(`${endpoint}/metrics`);
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.match(text, /kiln_api_requests_total\{operation="GetComponent",code="400"\} [1-9]/);
  assert.match(text, /kiln_api_request_duration_seconds_bucket\{operation="GetComponent",le="\+Inf"\} [1-9]/);
  assert.match(text, /kiln_api_request_duration_seconds_count\{operation="GetComponent"\}/);
  assert.match(text, /kiln_api_requests_in_flight \d+/);
  assert.match(text, /kiln_api_requests_total\{operation="ListComponents",code="403"\} [1-9]/);
});
