// Durability: the build queue lives in the store. A server killed in the
// middle of a build (kill -9) or stopped (SIGTERM) comes back with the
// running build FAILED "interrupted", its instance, mounts and processes
// gone, and the queued build still built.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetImageCommand } from '@aws-sdk/client-imagebuilder';
import {
  Server, bashComponent, component, recipe, infrastructure, createImage, waitForImage, leftovers, waitFor,
} from './harness.mjs';

const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

// Processes running `sleep 601` (the slow component's marker).
function markerProcesses() {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmd[0].endsWith('sleep') && cmd[1] === '601') found.push(pid);
    } catch { /* gone */ }
  }
  return found;
}

async function scenario(name, signal) {
  const server = new Server(name, ['--max-builds', '1']);
  servers.push(server);
  await server.start();
  const slow = bashComponent('slow', { build: ['sleep 601'] });
  const quick = bashComponent('quick', { build: ['echo ok > /ok'] });
  const infra = await infrastructure(server);
  const running = await createImage(server, await recipe(server, [await component(server, slow)]), infra);
  const queued = await createImage(server, await recipe(server, [await component(server, quick)]), infra,
    { imageTestsConfiguration: { imageTestsEnabled: false } });
  await waitFor(() => markerProcesses().length > 0, 'the slow step to run');
  const stopped = Date.now();
  const exit = await server.stop(signal);
  if (signal === 'SIGTERM') {
    assert.equal(exit.code, 0, 'graceful stop exits 0');
    assert.ok(Date.now() - stopped < 30000, 'graceful stop does not wait for the build');
  }
  await server.start();
  const { image: failed } = await waitForImage(server, running, ['FAILED', 'AVAILABLE', 'CANCELLED'], 30000);
  assert.equal(failed.state.status, 'FAILED');
  assert.match(failed.state.reason, /interrupted/);
  const { image: built } = await waitForImage(server, queued);
  assert.equal(built.state.status, 'AVAILABLE', built.state.reason);
  assert.deepEqual(markerProcesses(), [], 'no process of the interrupted build survives');
  assert.deepEqual(leftovers(server), []);
  const again = (await server.send(new GetImageCommand({ imageBuildVersionArn: running }))).image;
  assert.equal(again.state.status, 'FAILED', 'an interrupted build is not restarted');
}

test('kill -9 in the middle of a build: interrupted build FAILED, queued build still built', async () => {
  await scenario('restart-kill', 'SIGKILL');
});

test('SIGTERM in the middle of a build: stops promptly, same outcome', async () => {
  await scenario('restart-term', 'SIGTERM');
});
