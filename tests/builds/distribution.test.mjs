// Container distribution: a container recipe's image is pushed to the
// registry kiln serve was given (--container-registry, standing in for ECR),
// under the recipe's target repository with the <version>-<build> tag and the
// distribution configuration's containerTags; skopeo reads it back. The
// registry is Debian's docker-registry on a free loopback port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CreateDistributionConfigurationCommand } from '@aws-sdk/client-imagebuilder';
import {
  Server, bashComponent, component, containerRecipe, infrastructure, createImage, waitForImage, leftovers,
  sleep, unique, freePort,
} from './harness.mjs';

let registry;
let reg;
let server;

before(async () => {
  reg = `127.0.0.1:${await freePort()}`;
  server = new Server('distribution', ['--container-registry', reg]);
  const config = path.join(server.dir, 'registry.yml');
  fs.writeFileSync(config, `version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: ${path.join(server.dir, 'registry-storage')}}
http:
  addr: ${reg}
  secret: kiln-builds-suite
`);
  registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`http://${reg}/v2/`)).ok) break; } catch { /* starting */ }
    await sleep(100);
  }
  process.env.KILN_INSECURE_REGISTRIES = reg;  // plain http on loopback, explicitly allowed
  await server.start();
});

after(async () => {
  await server.stop();
  registry.kill('SIGTERM');
});

test('a container build is pushed to the registry with its tags', async () => {
  const build = bashComponent('ctr-build', { build: ['echo from-kiln > /etc/motd'] });
  const dist = await server.send(new CreateDistributionConfigurationCommand({
    name: unique('dist'), clientToken: unique('ct'),
    distributions: [{ region: 'us-east-1', containerDistributionConfiguration: {
      containerTags: ['latest', 'stable'], targetRepository: { service: 'ECR', repositoryName: 'team/app' } } }],
  }));
  const image = await createImage(server, await containerRecipe(server, [await component(server, build)]),
    await infrastructure(server), { distributionConfigurationArn: dist.distributionConfigurationArn });
  const { image: done } = await waitForImage(server, image);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
  const uris = done.outputResources.containers[0].imageUris;
  assert.ok(uris.includes(`${reg}/team/app:1.0.0-1`), `uris: ${uris}`);
  assert.ok(uris.includes(`${reg}/team/app:latest`) && uris.includes(`${reg}/team/app:stable`));
  const tags = JSON.parse(execFileSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${reg}/team/app`], { encoding: 'utf8' }));
  assert.deepEqual(tags.Tags.sort(), ['1.0.0-1', 'latest', 'stable']);
  const inspect = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${reg}/team/app:latest`], { encoding: 'utf8' }));
  assert.ok(inspect.Layers.length >= 2);
  assert.deepEqual(leftovers(server), []);
});
