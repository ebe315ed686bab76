// Controlling builds through the API: CancelImageCreation of a running
// build, custom workflows whose WaitForAction is resumed or stopped with
// SendWorkflowStepAction, RunCommand, a failed build instance kept for
// troubleshooting (terminateInstanceOnFailure=false), the bounded number of
// builds at once, and build logs in S3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  CancelImageCreationCommand, ListWaitingWorkflowStepsCommand, SendWorkflowStepActionCommand,
  ListWorkflowExecutionsCommand, ListWorkflowStepExecutionsCommand, GetImageCommand,
} from '@aws-sdk/client-imagebuilder';
import {
  Server, bashComponent, component, recipe, infrastructure, createImage, waitForImage, leftovers, workflow,
  sleep, bin, unique, waitFor,
} from './harness.mjs';

const s3 = process.env.KILN_TEST_S3_ENDPOINT;
const server = new Server('control', ['--max-builds', '1']);
before(async () => {
  if (s3) process.env.AWS_ENDPOINT_URL_S3 = s3;  // the server inherits it for S3 log uploads
  await server.start();
});
after(async () => { await server.stop(); });

const QUICK = bashComponent('quick', { build: ['echo quick > /quick'] });
const SLOW = bashComponent('slow', { build: ['echo started > /started; sleep 600'] });

async function status(arn) {
  return (await server.send(new GetImageCommand({ imageBuildVersionArn: arn }))).image.state.status;
}

test('CancelImageCreation stops a running build and leaves nothing behind', async () => {
  const image = await createImage(server, await recipe(server, [await component(server, SLOW)]), await infrastructure(server));
  await waitFor(async () => (await status(image)) === 'BUILDING', 'BUILDING');
  await waitFor(() => fs.existsSync(path.join(server.dataDir, 'instances')) &&
    fs.readdirSync(path.join(server.dataDir, 'instances')).length > 0, 'an instance');
  await sleep(500);
  await server.send(new CancelImageCreationCommand({ imageBuildVersionArn: image, clientToken: unique('ct') }));
  const { image: done } = await waitForImage(server, image, ['CANCELLED', 'FAILED', 'AVAILABLE'], 30000);
  assert.equal(done.state.status, 'CANCELLED');
  await waitFor(() => leftovers(server).length === 0, `no leftovers (${leftovers(server)})`, 30000);
});

const WAIT_WORKFLOW = `name: wait-then-build
description: Build with an approval gate
schemaVersion: 1.0
parameters:
  - name: marker
    type: string
    default: from-parameter
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: "ssmAgent"
  - name: Approve
    action: WaitForAction
    onFailure: Abort
    timeoutSeconds: 120
  - name: MarkInstance
    action: RunCommand
    onFailure: Abort
    inputs:
      documentName: AWS-RunShellScript
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"
      parameters:
        commands:
          - "echo marked > /marker"
          - "cat /marker"
  - name: ApplyBuildComponents
    action: ExecuteComponents
    onFailure: Abort
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"
  - name: CreateOutputAMI
    action: CreateImage
    onFailure: Abort
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"
  - name: TerminateBuildInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"
`;

async function waitingStep(image) {
  return waitFor(async () => {
    const { steps } = await server.send(new ListWaitingWorkflowStepsCommand({}));
    return steps.find((s) => s.imageBuildVersionArn === image);
  }, 'a waiting step');
}

test('a custom workflow waits for SendWorkflowStepAction RESUME, then builds', async () => {
  const wf = await workflow(server, 'BUILD', WAIT_WORKFLOW);
  const image = await createImage(server, await recipe(server, [await component(server, QUICK)]),
    await infrastructure(server), {
      executionRole: 'arn:aws:iam::210987654321:role/kiln-workflows',
      workflows: [{ workflowArn: wf }], imageTestsConfiguration: { imageTestsEnabled: false },
    });
  const step = await waitingStep(image);
  assert.equal(step.name, 'Approve');
  assert.equal(step.action, 'WaitForAction');
  assert.equal(await status(image), 'BUILDING');
  await server.send(new SendWorkflowStepActionCommand({
    stepExecutionId: step.stepExecutionId, imageBuildVersionArn: image, action: 'RESUME', reason: 'looks good',
    clientToken: unique('ct'),
  }));
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
  const { workflowExecutions } = await server.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: image }));
  const { steps } = await server.send(new ListWorkflowStepExecutionsCommand({ workflowExecutionId: workflowExecutions[0].workflowExecutionId }));
  const approve = steps.find((s) => s.name === 'Approve');
  assert.deepEqual(JSON.parse(approve.outputs), { action: 'RESUME', reason: 'looks good' });
  const run = steps.find((s) => s.name === 'MarkInstance');
  assert.deepEqual(JSON.parse(run.outputs).output, ['marked']);
  assert.deepEqual(leftovers(server), []);
});

test('SendWorkflowStepAction STOP fails the workflow and rolls back', async () => {
  const wf = await workflow(server, 'BUILD', WAIT_WORKFLOW);
  const image = await createImage(server, await recipe(server, [await component(server, QUICK)]),
    await infrastructure(server), {
      executionRole: 'arn:aws:iam::210987654321:role/kiln-workflows', workflows: [{ workflowArn: wf }] });
  const step = await waitingStep(image);
  await server.send(new SendWorkflowStepActionCommand({
    stepExecutionId: step.stepExecutionId, imageBuildVersionArn: image, action: 'STOP', reason: 'not today',
    clientToken: unique('ct'),
  }));
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'FAILED');
  assert.match(done.state.reason, /not today/);
  const { workflowExecutions } = await server.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: image }));
  assert.equal(workflowExecutions[0].status, 'ROLLBACK_COMPLETED');
  const { steps } = await server.send(new ListWorkflowStepExecutionsCommand({ workflowExecutionId: workflowExecutions[0].workflowExecutionId }));
  assert.equal(steps.find((s) => s.name === 'Approve').status, 'FAILED');
  assert.equal(steps.find((s) => s.name === 'LaunchBuildInstance').rollbackStatus, 'COMPLETED');
  assert.equal(steps.find((s) => s.name === 'MarkInstance'), undefined, 'later steps never ran');
  assert.deepEqual(leftovers(server), []);
});

test('terminateInstanceOnFailure=false keeps the failed instance (with its resourceTags) for kiln instance shell', async () => {
  const bad = bashComponent('bad', { build: ['echo evidence > /evidence', 'exit 4'] });
  const infra = await infrastructure(server, { terminateInstanceOnFailure: false, resourceTags: { team: 'qa' } });
  const image = await createImage(server, await recipe(server, [await component(server, bad)]), infra);
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'FAILED');
  const id = done.state.reason.match(/kiln instance shell (i-[0-9a-f]{17})/)?.[1];
  assert.ok(id, `reason names the kept instance: ${done.state.reason}`);
  const kiln = path.join(bin, 'kiln');
  const list = execFileSync(kiln, ['instance', '--data-dir', server.dataDir, 'list'], { encoding: 'utf8' });
  assert.match(list, new RegExp(`${id}\\s+kept`));
  assert.match(list, /team=qa/, 'resourceTags are on the instance');
  assert.match(list, /kiln:stage=build/);
  const out = execFileSync(kiln, ['instance', '--data-dir', server.dataDir, 'shell', id, '--', 'cat', '/evidence'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(out.trim(), 'evidence');
  execFileSync(kiln, ['instance', '--data-dir', server.dataDir, 'terminate', id]);
  assert.deepEqual(leftovers(server), []);
});

test('--max-builds 1: a second build waits PENDING until the first is done', async () => {
  const slowish = bashComponent('slowish', { build: ['sleep 3'] });
  const infra = await infrastructure(server);
  const first = await createImage(server, await recipe(server, [await component(server, slowish)]), infra,
    { imageTestsConfiguration: { imageTestsEnabled: false } });
  await waitFor(async () => (await status(first)) === 'BUILDING', 'first BUILDING');
  const second = await createImage(server, await recipe(server, [await component(server, QUICK)]), infra,
    { imageTestsConfiguration: { imageTestsEnabled: false } });
  await sleep(1000);
  assert.equal(await status(second), 'PENDING');
  assert.equal((await waitForImage(server, first)).image.state.status, 'AVAILABLE');
  assert.equal((await waitForImage(server, second)).image.state.status, 'AVAILABLE');
});

test('build logs go to the data dir and to the S3 bucket of the infrastructure configuration', { skip: !s3 && 'no S3 server (run through tests/run.sh)' }, async () => {
  const { S3Client, CreateBucketCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const bucket = unique('logs').toLowerCase();
  const s3c = new S3Client({ endpoint: s3, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY } });
  await s3c.send(new CreateBucketCommand({ Bucket: bucket }));
  const infra = await infrastructure(server, { logging: { s3Logs: { s3BucketName: bucket, s3KeyPrefix: 'kiln-logs' } } });
  const image = await createImage(server, await recipe(server, [await component(server, QUICK)]), infra);
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
  const listed = await s3c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'kiln-logs/' }));
  const keys = (listed.Contents ?? []).map((o) => o.Key);
  assert.ok(keys.some((k) => k.endsWith('console.log')), `uploaded: ${keys}`);
  const local = path.join(server.dataDir, 'logs');
  assert.ok(fs.existsSync(local));
});
