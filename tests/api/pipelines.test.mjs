// Image pipeline operations with the AWS SDK: cron schedules with time zones
// and next-run times, whole-pipeline updates, manual runs creating PENDING
// images, dependency rules on delete, idempotency and isolation.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateImagePipelineCommand, GetImagePipelineCommand, ListImagePipelinesCommand,
  UpdateImagePipelineCommand, DeleteImagePipelineCommand, StartImagePipelineExecutionCommand,
  ListImagePipelineImagesCommand, GetImageCommand, CancelImageCreationCommand,
  DeleteImageRecipeCommand, DeleteInfrastructureConfigurationCommand,
} from '@aws-sdk/client-imagebuilder';
import { account2, client, errorOf, unique } from './lib.mjs';
import { recipe, infrastructure } from './build_fixtures.mjs';

const c = client();
const other = client({ account: account2 });
let rec, infra;

before(async () => {
  rec = await recipe(c);
  infra = await infrastructure(c);
});

function pipelineInput(extra = {}) {
  return {
    name: unique('Pipeline'), imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra,
    clientToken: unique('ct'), ...extra,
  };
}

test('a pipeline with a cron schedule in a time zone shows its next run (guide P2)', async () => {
  const input = pipelineInput({
    description: 'weekly', imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
    schedule: { scheduleExpression: 'cron(0 0 * * SUN *)', timezone: 'America/New_York' },
    tags: { env: 'test' },
  });
  const { imagePipelineArn: arn } = await c.send(new CreateImagePipelineCommand(input));
  assert.ok(arn.endsWith(`:image-pipeline/${input.name.toLowerCase()}`), arn);
  const { imagePipeline: p } = await c.send(new GetImagePipelineCommand({ imagePipelineArn: arn }));
  assert.equal(p.name, input.name);
  assert.equal(p.status, 'ENABLED');
  assert.equal(p.enhancedImageMetadataEnabled, true);
  assert.equal(p.schedule.pipelineExecutionStartCondition, 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE');
  assert.equal(p.platform, 'Linux');
  assert.deepEqual(p.tags, { env: 'test' });
  // Next Sunday 00:00 in New York: 04:00 or 05:00 UTC on a Sunday.
  const next = new Date(p.dateNextRun);
  assert.ok(next > new Date(), 'in the future');
  assert.equal(next.getUTCDay(), 0);
  assert.ok([4, 5].includes(next.getUTCHours()), next.toISOString());

  const list = await c.send(new ListImagePipelinesCommand({ filters: [{ name: 'name', values: [input.name] }] }));
  assert.equal(list.imagePipelineList.length, 1);
  assert.equal(list.imagePipelineList[0].arn, arn);

  let e = await errorOf(c.send(new CreateImagePipelineCommand({ ...input, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceAlreadyExistsException');
  e = await errorOf(other.send(new GetImagePipelineCommand({ imagePipelineArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

test('bad schedules are refused naming what is wrong', async () => {
  const cases = [
    ['cron(0 10 7 * 2 *)', /cannot both be specified/],
    ['cron(60 * * * ? *)', /minute.*60 is out of range/],
    ['cron(0 0 ? * fri#6 *)', /1-5/],
    ['rate(1 day)', /cron/],
    ['cron(0 0 * * ?)', /6 fields/],
  ];
  for (const [expr, msg] of cases) {
    const e = await errorOf(c.send(new CreateImagePipelineCommand(pipelineInput({ schedule: { scheduleExpression: expr } }))));
    assert.equal(e.name, 'InvalidParameterValueException', expr);
    assert.match(e.message, msg, expr);
  }
  const e = await errorOf(c.send(new CreateImagePipelineCommand(pipelineInput({
    schedule: { scheduleExpression: 'cron(0 10 * * ? *)', timezone: 'Mars/Olympus_Mons' } }))));
  assert.equal(e.name, 'InvalidParameterValueException');
  assert.match(e.message, /time zone/);
});

test('StartImagePipelineExecution creates a PENDING image of the pipeline (guide P6)', async () => {
  const { imagePipelineArn: arn } = await c.send(new CreateImagePipelineCommand(pipelineInput({ imageTags: { from: 'pipeline' } })));
  const token = unique('ct');
  const run = await c.send(new StartImagePipelineExecutionCommand({ imagePipelineArn: arn, clientToken: token }));
  const again = await c.send(new StartImagePipelineExecutionCommand({ imagePipelineArn: arn, clientToken: token }));
  assert.equal(again.imageBuildVersionArn, run.imageBuildVersionArn, 'idempotent');
  const { image } = await c.send(new GetImageCommand({ imageBuildVersionArn: run.imageBuildVersionArn }));
  assert.equal(image.state.status, 'PENDING');
  assert.equal(image.sourcePipelineArn, arn);
  assert.deepEqual(image.tags, { from: 'pipeline' });
  const images = await c.send(new ListImagePipelineImagesCommand({ imagePipelineArn: arn }));
  assert.deepEqual(images.imageSummaryList.map((i) => i.arn), [run.imageBuildVersionArn]);
  const { imagePipeline } = await c.send(new GetImagePipelineCommand({ imagePipelineArn: arn }));
  assert.ok(imagePipeline.dateLastRun);

  // While the build is in progress the pipeline cannot be deleted.
  let e = await errorOf(c.send(new DeleteImagePipelineCommand({ imagePipelineArn: arn })));
  assert.equal(e.name, 'ResourceDependencyException');
  // The recipe and infrastructure the pipeline uses cannot be deleted either.
  e = await errorOf(c.send(new DeleteImageRecipeCommand({ imageRecipeArn: rec.arn })));
  assert.equal(e.name, 'ResourceDependencyException');
  e = await errorOf(c.send(new DeleteInfrastructureConfigurationCommand({ infrastructureConfigurationArn: infra })));
  assert.equal(e.name, 'ResourceDependencyException');
  await c.send(new CancelImageCreationCommand({ imageBuildVersionArn: run.imageBuildVersionArn, clientToken: unique('ct') }));
  await c.send(new DeleteImagePipelineCommand({ imagePipelineArn: arn }));
  e = await errorOf(c.send(new GetImagePipelineCommand({ imagePipelineArn: arn })));
  assert.equal(e.name, 'ResourceNotFoundException');
});

test('UpdateImagePipeline replaces the pipeline; a DISABLED pipeline does not start (guide P3)', async () => {
  const { imagePipelineArn: arn } = await c.send(new CreateImagePipelineCommand(pipelineInput({
    description: 'before', schedule: { scheduleExpression: 'cron(0 0 * * SUN *)' }, tags: { keep: 'me' } })));
  await c.send(new UpdateImagePipelineCommand({
    imagePipelineArn: arn, imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra,
    imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 120 },
    schedule: { scheduleExpression: 'cron(0 0 * * MON *)', pipelineExecutionStartCondition: 'EXPRESSION_MATCH_ONLY' },
    status: 'DISABLED', clientToken: unique('ct'),
  }));
  const { imagePipeline: p } = await c.send(new GetImagePipelineCommand({ imagePipelineArn: arn }));
  assert.equal(p.status, 'DISABLED');
  assert.equal(p.description, undefined, 'not sent, so removed');
  assert.equal(p.imageTestsConfiguration.timeoutMinutes, 120);
  assert.equal(p.schedule.scheduleExpression, 'cron(0 0 * * MON *)');
  assert.equal(p.dateNextRun, undefined, 'a disabled pipeline has no next run');
  assert.deepEqual(p.tags, { keep: 'me' });
  assert.ok(p.dateUpdated);
  const e = await errorOf(c.send(new StartImagePipelineExecutionCommand({ imagePipelineArn: arn, clientToken: unique('ct') })));
  assert.equal(e.name, 'ResourceInUseException');
  assert.match(e.message, /DISABLED/);
  const e2 = await errorOf(other.send(new UpdateImagePipelineCommand({
    imagePipelineArn: arn, imageRecipeArn: rec.arn, infrastructureConfigurationArn: infra, clientToken: unique('ct') })));
  assert.ok(['ResourceNotFoundException', 'ForbiddenException'].includes(e2.name), e2.name);
});

test('ListImagePipelines pages with nextToken', async () => {
  const prefix = unique('page');
  for (let i = 0; i < 3; i++) {
    await c.send(new CreateImagePipelineCommand(pipelineInput({ name: `${prefix}-${i}`, description: prefix })));
  }
  const filters = [{ name: 'description', values: [prefix] }];
  const p1 = await c.send(new ListImagePipelinesCommand({ filters, maxResults: 2 }));
  assert.equal(p1.imagePipelineList.length, 2);
  const p2 = await c.send(new ListImagePipelinesCommand({ filters, maxResults: 2, nextToken: p1.nextToken }));
  assert.equal(p2.imagePipelineList.length, 1);
  assert.equal(p2.nextToken, undefined);
});
