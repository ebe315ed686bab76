// End-to-end image builds through the API: CreateImage -> AVAILABLE with a
// real build on runc instances, workflow and step executions, package
// inventory, the produced image checked with skopeo and umoci, failure
// paths, and nothing left running or mounted afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ListWorkflowExecutionsCommand, ListWorkflowStepExecutionsCommand, GetWorkflowExecutionCommand,
  ListImagePackagesCommand, GetWorkflowStepExecutionCommand, DeleteImageCommand, RetryImageCommand,
  CreateImageRecipeCommand,
} from '@aws-sdk/client-imagebuilder';
import {
  Server, bashComponent, component, recipe, containerRecipe, infrastructure, createImage, waitForImage,
  leftovers, unique, bin,
} from './harness.mjs';

const server = new Server('images');
before(async () => { await server.start(); });
after(async () => {
  const r = await server.stop();
  assert.equal(r?.code, 0, 'kiln serve exits 0 on SIGTERM');
});

const BUILD = bashComponent('hello-build', {
  build: ['mkdir -p /etc/hello && echo "built by kiln" > /etc/hello/greeting', 'echo step2 > /etc/hello/two',
    'echo step3 > /etc/hello/three'],
  validate: ['test -f /etc/hello/greeting'],
});
const TEST = bashComponent('hello-test', { test: ['grep -q "built by kiln" /etc/hello/greeting'] });

test('CreateImage builds, tests and makes an image AVAILABLE', async () => {
  const arns = [await component(server, BUILD), await component(server, TEST)];
  const image = await createImage(server, await recipe(server, arns), await infrastructure(server));
  const { image: done, seen } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', `state: ${JSON.stringify(done.state)}`);
  assert.deepEqual(seen.filter((s) => ['BUILDING', 'TESTING', 'AVAILABLE'].includes(s)),
    ['BUILDING', 'TESTING', 'AVAILABLE'].filter((s) => seen.includes(s)));
  assert.ok(seen.includes('AVAILABLE'));
  const ami = done.outputResources.amis[0];
  assert.match(ami.image, /^ami-[0-9a-f]{17}$/);
  assert.equal(done.outputResources.amis[0].accountId, '210987654321');

  // Workflow executions: the default build and test workflows, completed.
  const { workflowExecutions } = await server.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: image }));
  assert.deepEqual(workflowExecutions.map((w) => [w.type, w.status]), [['BUILD', 'COMPLETED'], ['TEST', 'COMPLETED']]);
  for (const w of workflowExecutions) {
    assert.equal(w.totalStepCount, w.totalStepsSucceeded + w.totalStepsFailed + w.totalStepsSkipped);
  }
  const build = workflowExecutions[0];
  const { steps } = await server.send(new ListWorkflowStepExecutionsCommand({ workflowExecutionId: build.workflowExecutionId }));
  const byName = Object.fromEntries(steps.map((s) => [s.name, s]));
  assert.equal(byName.LaunchBuildInstance.status, 'COMPLETED');
  assert.match(JSON.parse(byName.LaunchBuildInstance.outputs).instanceId, /^i-[0-9a-f]{17}$/);
  assert.equal(byName.RunSysPrepScript.status, 'SKIPPED', 'Windows-only step skipped on Linux');
  assert.equal(JSON.parse(byName.CreateOutputAMI.outputs).imageId, ami.image);
  const step = await server.send(new GetWorkflowStepExecutionCommand({ stepExecutionId: byName.ApplyBuildComponents.stepExecutionId }));
  assert.equal(step.action, 'ExecuteComponents');
  const wf = await server.send(new GetWorkflowExecutionCommand({ workflowExecutionId: build.workflowExecutionId }));
  assert.equal(wf.imageBuildVersionArn, image);

  // The image itself, read by independent tools from Kiln's OCI layout.
  const storeName = ami.description.replace(/^Kiln image /, '');
  const layout = path.join(server.dataDir, 'images');
  const inspect = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${layout}:${storeName}`], { encoding: 'utf8' }));
  assert.ok(inspect.Layers.length >= 2, 'parent layer plus the build layer');
  // umoci reads gzip layers only: export a gzip copy with kiln image export.
  const bundle = path.join(server.dir, 'bundle');
  const gz = path.join(server.dir, 'gzip-layout');
  fs.rmSync(bundle, { recursive: true, force: true });
  fs.rmSync(gz, { recursive: true, force: true });
  execFileSync(path.join(bin, 'kiln'), ['image', '--data-dir', server.dataDir, 'export', storeName,
    '--format', 'oci-layout', '--output', gz, '--tag', 'built', '--compression', 'gzip'], { stdio: 'pipe' });
  execFileSync('umoci', ['unpack', '--image', `${gz}:built`, bundle], { stdio: 'pipe' });
  assert.equal(fs.readFileSync(path.join(bundle, 'rootfs/etc/hello/greeting'), 'utf8'), 'built by kiln\n');
  assert.ok(!fs.existsSync(path.join(bundle, 'rootfs/opt/kiln/bin/kiln-toe')), "Kiln's tools are not in the image");
  fs.rmSync(bundle, { recursive: true, force: true });
  fs.rmSync(gz, { recursive: true, force: true });

  const pk = await server.send(new ListImagePackagesCommand({ imageBuildVersionArn: image }));
  assert.ok(Array.isArray(pk.imagePackageList), 'busybox has no package manager: an empty list');
  assert.deepEqual(leftovers(server), []);
});

test('a failing build step fails the image, naming the stage, component and step', async () => {
  const bad = bashComponent('bad-build', { build: ['echo about to fail', 'echo "disk on fire" >&2; exit 3'] });
  const image = await createImage(server, await recipe(server, [await component(server, bad)]), await infrastructure(server));
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'FAILED');
  const reason = done.state.reason;
  assert.match(reason, /stage build/);
  assert.match(reason, /Workflow Execution ID: wf-/);
  assert.match(reason, /ApplyBuildComponents/);
  assert.match(reason, /Step2/);
  assert.match(reason, /disk on fire/);
  assert.equal(done.outputResources, undefined, 'a failed image has no outputs');
  const { workflowExecutions } = await server.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: image }));
  assert.equal(workflowExecutions.length, 1, 'the test workflow never started');
  assert.ok(['FAILED', 'ROLLBACK_COMPLETED'].includes(workflowExecutions[0].status));
  const { steps } = await server.send(new ListWorkflowStepExecutionsCommand({ workflowExecutionId: workflowExecutions[0].workflowExecutionId }));
  const launch = steps.find((s) => s.name === 'LaunchBuildInstance');
  assert.equal(launch.rollbackStatus, 'COMPLETED', 'the build instance was rolled back (terminated)');
  assert.deepEqual(leftovers(server), []);

  // RetryImage queues the same build again: it runs (and fails) once more.
  await server.send(new RetryImageCommand({ imageBuildVersionArn: image, clientToken: unique('ct') }));
  const { image: again, seen } = await waitForImage(server, image);
  assert.equal(again.state.status, 'FAILED');
  assert.ok(seen.includes('PENDING') || seen.includes('BUILDING') || seen.includes('CREATING'), `seen ${seen}`);
  const retried = await server.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: image }));
  assert.equal(retried.workflowExecutions.length, 2, 'a second build workflow ran');
  assert.deepEqual(leftovers(server), []);
});

test('a failing test component fails the image in the test stage', async () => {
  const failingTest = bashComponent('failing-test', { test: ['echo "assertion failed: no greeting"; exit 1'] });
  const arns = [await component(server, BUILD), await component(server, failingTest)];
  const image = await createImage(server, await recipe(server, arns), await infrastructure(server));
  const { image: done, seen } = await waitForImage(server, image);
  assert.equal(done.state.status, 'FAILED');
  assert.ok(seen.includes('TESTING') || /stage test/.test(done.state.reason));
  assert.match(done.state.reason, /stage test/);
  assert.match(done.state.reason, /assertion failed: no greeting/);
  assert.deepEqual(leftovers(server), []);
});

test('a step timeout fails the build and kills the command', async () => {
  const slow = `name: slow
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Sleep
        action: ExecuteBash
        timeoutSeconds: 2
        inputs:
          commands:
            - sleep 60
`;
  const image = await createImage(server, await recipe(server, [await component(server, slow)]), await infrastructure(server));
  const started = Date.now();
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'FAILED');
  assert.match(done.state.reason, /time/i);
  assert.ok(Date.now() - started < 60000, 'did not wait for the sleep');
  assert.deepEqual(leftovers(server), []);
});

test('tests disabled: the test workflow is SKIPPED and the image AVAILABLE', async () => {
  const image = await createImage(server, await recipe(server, [await component(server, BUILD)]),
    await infrastructure(server), { imageTestsConfiguration: { imageTestsEnabled: false } });
  const { image: done, seen } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE');
  assert.ok(!seen.includes('TESTING'));
  const { workflowExecutions } = await server.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: image }));
  assert.deepEqual(workflowExecutions.map((w) => [w.type, w.status]), [['BUILD', 'COMPLETED'], ['TEST', 'SKIPPED']]);
});

test('an image built by Kiln is the parent of the next recipe (ARN with wildcards)', async () => {
  const first = await createImage(server, await recipe(server, [await component(server, BUILD)]), await infrastructure(server));
  const { image: base } = await waitForImage(server, first);
  assert.equal(base.state.status, 'AVAILABLE');
  const parent = base.arn.replace(/\/\d+\.\d+\.\d+\/\d+$/, '/x.x.x');
  const child = bashComponent('child', { build: ['cat /etc/hello/greeting > /etc/hello/copied'] ,
    validate: ['grep -q kiln /etc/hello/copied'] });
  const image = await createImage(server, await recipe(server, [await component(server, child)], parent),
    await infrastructure(server));
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
});

test('a container recipe builds a container image, tested on the build instance', async () => {
  const arns = [await component(server, BUILD), await component(server, TEST)];
  const image = await createImage(server, await containerRecipe(server, arns), await infrastructure(server));
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
  const uri = done.outputResources.containers[0].imageUris[0];
  assert.match(uri, /^oci:/);
  const inspect = JSON.parse(execFileSync('skopeo', ['inspect', uri], { encoding: 'utf8' }));
  assert.ok(inspect.Layers.length >= 2);
  const { workflowExecutions } = await server.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: image }));
  assert.deepEqual(workflowExecutions.map((w) => [w.type, w.status]), [['BUILD', 'COMPLETED'], ['TEST', 'COMPLETED']]);
  assert.deepEqual(leftovers(server), []);
});

test('an unknown parent image fails with a reason naming it', async () => {
  const image = await createImage(server, await recipe(server, [await component(server, BUILD)], 'ami-0123456789abcdef0'),
    await infrastructure(server));
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'FAILED');
  assert.match(done.state.reason, /ami-0123456789abcdef0/);
  assert.deepEqual(leftovers(server), []);
});

test('DeleteImage of a built image removes it from the image store too', async () => {
  const image = await createImage(server, await recipe(server, [await component(server, BUILD)]),
    await infrastructure(server), { imageTestsConfiguration: { imageTestsEnabled: false } });
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
  const storeName = done.outputResources.amis[0].description.replace(/^Kiln image /, '');
  const listed = () => execFileSync(path.join(bin, 'kiln'), ['image', '--data-dir', server.dataDir, 'list'], { encoding: 'utf8' });
  assert.ok(listed().includes(storeName));
  await server.send(new DeleteImageCommand({ imageBuildVersionArn: image }));
  const deadline = Date.now() + 30000;
  while (listed().includes(storeName) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  assert.ok(!listed().includes(storeName), 'the OCI image is gone from the store');
});

test('SanitizeInstance removes build secrets before the snapshot, honouring skip files', async () => {
  const leaky = bashComponent('leaky', {
    build: ['mkdir -p /etc/ssh /root/.ssh /var/log && echo secret > /etc/ssh/ssh_host_rsa_key',
      'echo key > /root/.ssh/authorized_keys && echo booted > /var/log/boot.log',
      'touch /tmp/skip_cleanup_instance_log_files'],
  });
  const image = await createImage(server, await recipe(server, [await component(server, leaky)]),
    await infrastructure(server), { imageTestsConfiguration: { imageTestsEnabled: false } });
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
  const storeName = done.outputResources.amis[0].description.replace(/^Kiln image /, '');
  const ls = execFileSync(path.join(bin, 'kiln'), ['instance', '--data-dir', server.dataDir, 'run', storeName, '--',
    '/bin/sh', '-c', 'for f in /etc/ssh/ssh_host_rsa_key /root/.ssh/authorized_keys /var/log/boot.log; do [ -e $f ] && echo "present $f" || echo "absent $f"; done'],
  { encoding: 'utf8' });
  assert.match(ls, /absent \/etc\/ssh\/ssh_host_rsa_key/);
  assert.match(ls, /absent \/root\/.ssh\/authorized_keys/);
  assert.match(ls, /present \/var\/log\/boot.log/, 'skip_cleanup_instance_log_files kept the log');
  assert.deepEqual(leftovers(server), []);
});

test('a container recipe\'s Dockerfile template runs around the components and sets the image config', async () => {
  const template = `FROM {{{ imagebuilder:parentImage }}}
{{{ imagebuilder:environments }}}
ARG FLAVOUR=plain
ENV APP_HOME=/srv/app GREETING="hello kiln"
WORKDIR $APP_HOME
RUN echo "$GREETING $FLAVOUR" > before.txt
{{{ imagebuilder:components }}}
RUN cat /etc/hello/greeting > after.txt
LABEL team=qa
EXPOSE 8080
CMD ["/bin/cat", "/srv/app/before.txt"]
`;
  const image = await createImage(server, await containerRecipe(server, [await component(server, BUILD)], 'busybox', template),
    await infrastructure(server), { imageTestsConfiguration: { imageTestsEnabled: false } });
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
  const uri = done.outputResources.containers[0].imageUris.at(-1);
  const config = JSON.parse(execFileSync('skopeo', ['inspect', '--config', uri], { encoding: 'utf8' })).config;
  assert.equal(config.WorkingDir, '/srv/app');
  assert.ok(config.Env.includes('GREETING=hello kiln'));
  assert.ok(!config.Env.some((e) => e.startsWith('FLAVOUR=')), 'ARG is build-time only');
  assert.equal(config.Labels.team, 'qa');
  assert.ok('8080/tcp' in config.ExposedPorts);
  assert.deepEqual(config.Cmd, ['/bin/cat', '/srv/app/before.txt']);
  const storeName = uri.split(':').slice(2).join(':');  // oci:LAYOUT:NAME:TAG
  const out = execFileSync(path.join(bin, 'kiln'), ['instance', '--data-dir', server.dataDir, 'run',
    storeName, '--', '/bin/sh', '-c', 'cat /srv/app/before.txt /srv/app/after.txt'], { encoding: 'utf8' });
  assert.equal(out, 'hello kiln plain\nbuilt by kiln\n');
  assert.deepEqual(leftovers(server), []);
});

test('the recipe\'s component parameters reach the component', async () => {
  const data = `name: greeter
schemaVersion: 1.0
parameters:
  - greeting:
      type: string
      default: hello
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands:
            - echo "{{ greeting }}" > /etc/greeting
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands:
            - grep -qx "bonjour" /etc/greeting
`;
  const arn = await component(server, data);
  const r = await server.send(new CreateImageRecipeCommand({
    name: unique('recipe'), semanticVersion: '1.0.0', parentImage: 'busybox', clientToken: unique('ct'),
    components: [{ componentArn: arn, parameters: [{ name: 'greeting', value: ['bonjour'] }] }],
  }));
  const image = await createImage(server, r.imageRecipeArn, await infrastructure(server));
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
});

test('builds run side by side (--max-builds 2), each in its own instances', async () => {
  const infra = await infrastructure(server);
  const arns = await Promise.all([1, 2, 3].map(async () => createImage(server,
    await recipe(server, [await component(server, BUILD)]), infra)));
  const done = await Promise.all(arns.map((arn) => waitForImage(server, arn)));
  for (const { image } of done) assert.equal(image.state.status, 'AVAILABLE', image.state.reason);
  const amis = new Set(done.map(({ image }) => image.outputResources.amis[0].description));
  assert.equal(amis.size, 3, 'three distinct images');
  assert.deepEqual(leftovers(server), []);
});
