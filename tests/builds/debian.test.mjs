// A Debian parent image (made here with mmdebstrap from the machine's apt
// mirror): the build runs on it, CollectImageMetadata reads its dpkg
// database, and GetImage / ListImagePackages show the OS and packages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ListImagePackagesCommand } from '@aws-sdk/client-imagebuilder';
import { Server, bashComponent, component, recipe, infrastructure, createImage, waitForImage, leftovers } from './harness.mjs';

const server = new Server('debian');
let rootfs;
before(async () => {
  await server.start();
  rootfs = path.join(server.dir, 'debian-rootfs');
  // minbase from the configured mirror (made once per test run, shared with
  // tests/updateos); fails loudly when the mirror is unreachable.
  execFileSync('bash', ['-c', 'source "$0/lib/debian_root.sh" && debian_root "$1"', path.resolve('.'), rootfs],
    { stdio: 'pipe', timeout: 600000 });
});
after(async () => {
  await server.stop();
  fs.rmSync(rootfs, { recursive: true, force: true });
});

test('a build on a Debian root lists its packages and OS version', async () => {
  const build = bashComponent('debian-build', { build: ['dpkg-query -W dpkg > /etc/dpkg-version'] });
  const check = bashComponent('debian-test', { test: ['grep -q dpkg /etc/dpkg-version', 'test -x /usr/bin/apt-get'] });
  const arns = [await component(server, build), await component(server, check)];
  const image = await createImage(server, await recipe(server, arns, rootfs), await infrastructure(server));
  const { image: done } = await waitForImage(server, image, undefined, 300000);
  assert.equal(done.state.status, 'AVAILABLE', done.state.reason);
  assert.match(done.osVersion, /Debian GNU\/Linux 12/);
  const names = [];
  let nextToken;
  do {
    const page = await server.send(new ListImagePackagesCommand({ imageBuildVersionArn: image, nextToken }));
    names.push(...page.imagePackageList.map((p) => p.packageName));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.ok(names.includes('dpkg') && names.includes('apt') && names.includes('bash'), `packages: ${names.length}`);
  assert.ok(names.length > 50);
  assert.deepEqual(leftovers(server), []);
});
