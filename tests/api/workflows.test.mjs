// Workflow operations with the AWS SDK: create from YAML (validated with
// errors naming step, field and line), managed workflows (owner Amazon),
// listing, versions, dry runs, use by builds and pipelines, and the
// execution reads (empty until the engine runs builds).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateWorkflowCommand, GetWorkflowCommand, ListWorkflowsCommand, ListWorkflowBuildVersionsCommand,
  DeleteWorkflowCommand, CreateImageCommand, CreateImagePipelineCommand, DeleteImagePipelineCommand,
  GetWorkflowExecutionCommand, ListWaitingWorkflowStepsCommand, SendWorkflowStepActionCommand,
  ListWorkflowStepExecutionsCommand, GetWorkflowStepExecutionCommand,
} from '@aws-sdk/client-imagebuilder';
import { account2, client, errorOf, unique } from './lib.mjs';
import { GUIDE_TEST_WORKFLOW, recipe, infrastructure, testWorkflow } from './build_fixtures.mjs';

const c = client();
const other = client({ account: account2 });
let rec, infra;

before(async () => {
  rec = await recipe(c);
  infra = await infrastructure(c);
});

test('CreateWorkflow stores the guide example and GetWorkflow returns it (W3/W4)', async () => {
  const name = unique('example-test-workflow');
  const token = unique('ct');
  const r = await c.send(new CreateWorkflowCommand({
    name, semanticVersion: '1.0.0', type: 'TEST', data: GUIDE_TEST_WORKFLOW, clientToken: token,
    description: 'guide example', tags: { a: 'b' } }));
  assert.match(r.workflowBuildVersionArn, new RegExp(`:111122223333:workflow/test/${name}/1\\.0\\.0/1$`));
  assert.equal(r.clientToken, token);
  const { workflow } = await c.send(new GetWorkflowCommand({ workflowBuildVersionArn: r.workflowBuildVersionArn }));
  assert.equal(workflow.name, name);
  assert.equal(workflow.type, 'TEST');
  assert.equal(workflow.data, GUIDE_TEST_WORKFLOW);
  assert.equal(workflow.state.status, 'ACTIVE');
  assert.deepEqual(workflow.parameters, [{ name: 'waitForActionAtEnd', type: 'boolean', defaultValue: ['true'] }]);
  // The version ARN and a wildcard resolve to the same build.
  const byWildcard = await c.send(new GetWorkflowCommand({
    workflowBuildVersionArn: r.workflowBuildVersionArn.replace(/1\.0\.0\/1$/, 'x.x.x') }));
  assert.equal(byWildcard.workflow.arn, r.workflowBuildVersionArn);

  const e = await errorOf(c.send(new CreateWorkflowCommand({
    name, semanticVersion: '1.0.0', type: 'TEST', data: GUIDE_TEST_WORKFLOW, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceAlreadyExistsException');
  const hidden = await errorOf(other.send(new GetWorkflowCommand({ workflowBuildVersionArn: r.workflowBuildVersionArn })));
  assert.equal(hidden.name, 'ResourceNotFoundException');
});

test('invalid workflow documents are refused naming step, field and line', async () => {
  const bad = GUIDE_TEST_WORKFLOW.replace('onFailure: Continue', 'onFailure: Retry');
  let e = await errorOf(c.send(new CreateWorkflowCommand({
    name: unique('bad'), semanticVersion: '1.0.0', type: 'TEST', data: bad, clientToken: unique('ct') })));
  assert.equal(e.name, 'InvalidParameterValueException');
  assert.match(e.message, /step 'TerminateTestInstance' \(line \d+\): field 'onFailure': 'Retry'/);
  // CollectImageMetadata is a BUILD-only action.
  const metadata = 'schemaVersion: 1.0\nsteps:\n  - name: Collect\n    action: CollectImageMetadata\n    inputs:\n      instanceId: i-1\n';
  e = await errorOf(c.send(new CreateWorkflowCommand({
    name: unique('bad'), semanticVersion: '1.0.0', type: 'TEST', data: metadata, clientToken: unique('ct') })));
  assert.match(e.message, /cannot be used in a TEST workflow/);
  e = await errorOf(c.send(new CreateWorkflowCommand({
    name: unique('bad'), semanticVersion: '1.0.0', type: 'BUILD', data: 'x', uri: 's3://b/k', clientToken: unique('ct') })));
  assert.equal(e.name, 'InvalidParameterCombinationException');
  e = await errorOf(c.send(new CreateWorkflowCommand({
    name: unique('bad'), semanticVersion: '1.0.0', type: 'BUILD', uri: 's3://bucket/wf.yml', clientToken: unique('ct') })));
  assert.equal(e.name, 'NotImplementedException');
  e = await errorOf(c.send(new CreateWorkflowCommand({
    name: unique('bad'), semanticVersion: '1.0.1073741824', type: 'TEST', data: GUIDE_TEST_WORKFLOW, clientToken: unique('ct') })));
  assert.equal(e.name, 'InvalidVersionNumberException', 'nodes are at most 2^30-1');
  e = await errorOf(c.send(new CreateWorkflowCommand({
    name: unique('dry'), semanticVersion: '1.0.0', type: 'TEST', data: GUIDE_TEST_WORKFLOW, clientToken: unique('ct'), dryRun: true })));
  assert.equal(e.name, 'DryRunOperationException');
});

test('managed workflows are listed with owner Amazon and filter by type (W1/W2)', async () => {
  const amazon = await c.send(new ListWorkflowsCommand({ owner: 'Amazon' }));
  const names = amazon.workflowVersionList.map((w) => `${w.type}/${w.name}`).sort();
  assert.deepEqual(names, ['BUILD/build-container', 'BUILD/build-image', 'TEST/test-container', 'TEST/test-image']);
  assert.ok(amazon.workflowVersionList.every((w) => w.owner === 'Amazon' && /:aws:workflow\//.test(w.arn)));
  assert.ok(amazon.workflowVersionList.every((w) => w.arn.endsWith('/1.0.0')), 'version ARNs, no build');
  const builds = await c.send(new ListWorkflowsCommand({ owner: 'Amazon', filters: [{ name: 'type', values: ['BUILD'] }] }));
  assert.ok(builds.workflowVersionList.length === 2 && builds.workflowVersionList.every((w) => w.type === 'BUILD'));
  const { workflow } = await c.send(new GetWorkflowCommand({
    workflowBuildVersionArn: 'arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/x.x.x' }));
  assert.match(workflow.data, /CreateOutputAMI/);
  const e = await errorOf(c.send(new DeleteWorkflowCommand({ workflowBuildVersionArn: workflow.arn })));
  assert.equal(e.name, 'ForbiddenException');

  const mine = await testWorkflow(c);
  const self = await c.send(new ListWorkflowsCommand({ filters: [{ name: 'name', values: [mine.name] }] }));
  assert.equal(self.workflowVersionList.length, 1);
  assert.ok(self.workflowVersionList[0].arn.endsWith(`/${mine.name}/1.0.0`));
  const versions = await c.send(new ListWorkflowBuildVersionsCommand({ workflowVersionArn: mine.arn.replace(/\/1$/, '') }));
  assert.deepEqual(versions.workflowSummaryList.map((w) => w.arn), [mine.arn]);
});

test('builds and pipelines use workflows; parameters are checked; deletes respect use', async () => {
  const wf = await testWorkflow(c);
  const base = { imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra, executionRole: 'kiln-role' };
  const ok = await c.send(new CreateImageCommand({ ...base, clientToken: unique('ct'),
    workflows: [{ workflowArn: wf.arn, parameters: [{ name: 'waitForActionAtEnd', value: ['false'] }] }] }));
  assert.ok(ok.imageBuildVersionArn);
  let e = await errorOf(c.send(new CreateImageCommand({ ...base, clientToken: unique('ct'),
    workflows: [{ workflowArn: wf.arn, parameters: [{ name: 'waitForActionAtEnd', value: ['maybe'] }] }] })));
  assert.equal(e.name, 'InvalidParameterValueException');
  assert.match(e.message, /not a boolean/);
  e = await errorOf(c.send(new CreateImageCommand({ ...base, clientToken: unique('ct'),
    workflows: [{ workflowArn: wf.arn, parameters: [{ name: 'nope', value: ['1'] }] }] })));
  assert.match(e.message, /not declared/);
  e = await errorOf(c.send(new CreateImageCommand({ ...base, clientToken: unique('ct'),
    workflows: [{ workflowArn: 'arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/x.x.x' },
      { workflowArn: 'arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-container/x.x.x' }] })));
  assert.match(e.message, /at most one BUILD workflow/);

  // In use by a queued build: not deletable.
  e = await errorOf(c.send(new DeleteWorkflowCommand({ workflowBuildVersionArn: wf.arn })));
  assert.equal(e.name, 'ResourceDependencyException');

  const wf2 = await testWorkflow(c);
  const p = await c.send(new CreateImagePipelineCommand({ ...base, name: unique('wfpipe'), clientToken: unique('ct'),
    workflows: [{ workflowArn: wf2.arn }] }));
  e = await errorOf(c.send(new DeleteWorkflowCommand({ workflowBuildVersionArn: wf2.arn })));
  assert.equal(e.name, 'ResourceDependencyException');
  assert.match(e.message, /image-pipeline/);
  await c.send(new DeleteImagePipelineCommand({ imagePipelineArn: p.imagePipelineArn }));
  await c.send(new DeleteWorkflowCommand({ workflowBuildVersionArn: wf2.arn }));
  e = await errorOf(c.send(new GetWorkflowCommand({ workflowBuildVersionArn: wf2.arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

test('execution reads: nothing runs before the engine, and they say so', async () => {
  const id = 'wf-a1b2c3d4-5678-90ab-cdef-000000000000';
  let e = await errorOf(c.send(new GetWorkflowExecutionCommand({ workflowExecutionId: id })));
  assert.equal(e.name, 'ResourceNotFoundException');
  e = await errorOf(c.send(new ListWorkflowStepExecutionsCommand({ workflowExecutionId: id })));
  assert.equal(e.name, 'ResourceNotFoundException');
  e = await errorOf(c.send(new GetWorkflowStepExecutionCommand({ stepExecutionId: 'step-a1b2c3d4-5678-90ab-cdef-000000000000' })));
  assert.equal(e.name, 'ResourceNotFoundException');
  const waiting = await c.send(new ListWaitingWorkflowStepsCommand({}));
  assert.deepEqual(waiting.steps, []);
  e = await errorOf(c.send(new SendWorkflowStepActionCommand({
    stepExecutionId: 'step-a1b2c3d4-5678-90ab-cdef-000000000000',
    imageBuildVersionArn: 'arn:aws:imagebuilder:us-east-1:111122223333:image/x/1.0.0/1',
    action: 'RESUME', clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceNotFoundException');
});
