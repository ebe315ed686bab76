// Pipelines build: StartImagePipelineExecution runs a build now, and the
// scheduler starts pipelines when their cron expression fires (every minute
// here, so this file waits up to about 70 s), records lastRunStatus, and
// applies autoDisablePolicy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateImagePipelineCommand, StartImagePipelineExecutionCommand, GetImagePipelineCommand,
  ListImagePipelineImagesCommand, GetImageCommand,
} from '@aws-sdk/client-imagebuilder';
import {
  Server, bashComponent, component, recipe, infrastructure, waitForImage, sleep, unique,
} from './harness.mjs';

const server = new Server('pipelines');
before(async () => { await server.start(); });
after(async () => { await server.stop(); });

const GOOD = bashComponent('good', { build: ['echo pipeline > /built-by-pipeline'] });
const BAD = bashComponent('bad', { build: ['echo "pipeline build broke" >&2; exit 9'] });
const EVERY_MINUTE = 'cron(* * * * ? *)';

async function pipeline(componentData, extra = {}) {
  const r = await server.send(new CreateImagePipelineCommand({
    name: unique('pipe'), imageRecipeArn: await recipe(server, [await component(server, componentData)]),
    infrastructureConfigurationArn: await infrastructure(server),
    imageTestsConfiguration: { imageTestsEnabled: false }, clientToken: unique('ct'), ...extra,
  }));
  return r.imagePipelineArn;
}

async function pipelineImages(arn) {
  return (await server.send(new ListImagePipelineImagesCommand({ imagePipelineArn: arn }))).imageSummaryList;
}

async function getPipeline(arn) {
  return (await server.send(new GetImagePipelineCommand({ imagePipelineArn: arn }))).imagePipeline;
}

test('StartImagePipelineExecution builds the pipeline image and records the run', async () => {
  const arn = await pipeline(GOOD);
  const { imageBuildVersionArn } = await server.send(new StartImagePipelineExecutionCommand({
    imagePipelineArn: arn, clientToken: unique('ct') }));
  const { image } = await waitForImage(server, imageBuildVersionArn);
  assert.equal(image.state.status, 'AVAILABLE', image.state.reason);
  assert.equal(image.sourcePipelineArn, arn);
  assert.equal(image.buildType, 'USER_INITIATED');
  let p = await getPipeline(arn);
  for (let i = 0; i < 20 && p.lastRunStatus !== 'AVAILABLE'; i++) { await sleep(100); p = await getPipeline(arn); }
  assert.equal(p.lastRunStatus, 'AVAILABLE');
});

test('schedules start builds when the cron fires; autoDisablePolicy disables a failing pipeline', async () => {
  const good = await pipeline(GOOD, {
    schedule: { scheduleExpression: EVERY_MINUTE, pipelineExecutionStartCondition: 'EXPRESSION_MATCH_ONLY' },
  });
  const bad = await pipeline(BAD, {
    schedule: { scheduleExpression: EVERY_MINUTE, autoDisablePolicy: { failureCount: 1 } },
  });
  const unscheduled = await pipeline(GOOD);
  const deadline = Date.now() + 100000;
  let goodImages = [];
  let badImages = [];
  while (Date.now() < deadline && (goodImages.length === 0 || badImages.length === 0)) {
    await sleep(1000);
    goodImages = await pipelineImages(good);
    badImages = await pipelineImages(bad);
  }
  assert.equal(goodImages.length, 1, 'the scheduled pipeline started one build');
  assert.equal(badImages.length, 1);
  const { image } = await waitForImage(server, goodImages[0].arn);
  assert.equal(image.state.status, 'AVAILABLE', image.state.reason);
  assert.equal(image.buildType, 'SCHEDULED');
  const { image: failed } = await waitForImage(server, badImages[0].arn);
  assert.equal(failed.state.status, 'FAILED');
  assert.match(failed.state.reason, /pipeline build broke/);
  let p = await getPipeline(bad);
  for (let i = 0; i < 20 && p.status !== 'DISABLED'; i++) { await sleep(100); p = await getPipeline(bad); }
  assert.equal(p.status, 'DISABLED', 'one failure disables it (failureCount 1)');
  assert.equal(p.lastRunStatus, 'FAILED');
  assert.equal(p.consecutiveFailures, 1);
  assert.deepEqual(await pipelineImages(unscheduled), [], 'a pipeline without a schedule never starts by itself');
  const g = (await server.send(new GetImageCommand({ imageBuildVersionArn: goodImages[0].arn }))).image;
  assert.equal(g.sourcePipelineArn, good);
});
