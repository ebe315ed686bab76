// Harness for the end-to-end build tests: each test file starts its own
// `kiln serve` (real builds on runc instances) on a free loopback port with
// its own data dir, talks to it with the official AWS SDK for JavaScript, and
// can stop, kill and restart it (the restart tests need that).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  ImagebuilderClient, CreateComponentCommand, CreateImageRecipeCommand, CreateContainerRecipeCommand,
  CreateInfrastructureConfigurationCommand, CreateImageCommand, GetImageCommand, CreateWorkflowCommand,
} from '@aws-sdk/client-imagebuilder';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const bin = process.env.KILN_BIN ?? path.join(root, 'build/bin');
const workRoot = path.join(process.env.KILN_TEST_WORK ?? path.join(root, 'tests/.work'), 'builds');

const KEY = { accessKeyId: 'AKIDKILNBUILDS', secretAccessKey: 'kiln-builds-secret' };
export const ACCOUNT = '210987654321';

let counter = 0;
export function unique(prefix = 't') {
  return `${prefix}-${process.pid.toString(36)}-${(counter++).toString(36)}`;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `fn` every 100 ms until it returns something truthy, and returns that.
export async function waitFor(fn, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// One kiln serve process. start() may be called again after stop()/kill()
// with the same data dir (a restart).
export class Server {
  constructor(name, extraArgs = []) {
    this.dir = path.join(workRoot, name);
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(this.dir, 'data'), { recursive: true });
    this.extraArgs = extraArgs;
    this.log = path.join(this.dir, 'serve.log');
  }

  get dataDir() { return path.join(this.dir, 'data'); }

  async start() {
    this.port = await freePort();
    const out = fs.openSync(this.log, 'a');
    this.proc = spawn(path.join(bin, 'kiln'), ['serve', '--listen', `127.0.0.1:${this.port}`,
      '--data-dir', this.dataDir, ...this.extraArgs], {
      stdio: ['ignore', out, out],
      env: { ...process.env, KILN_ACCESS_KEY_ID: KEY.accessKeyId, KILN_SECRET_ACCESS_KEY: KEY.secretAccessKey,
        KILN_ACCOUNT_ID: ACCOUNT },
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    for (let i = 0; i < 200; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (r.ok) break;
      } catch { /* not up yet */ }
      if (this.proc.exitCode !== null) throw new Error(`kiln serve exited: ${fs.readFileSync(this.log, 'utf8')}`);
      await sleep(50);
    }
    this.client = new ImagebuilderClient({
      endpoint: `http://127.0.0.1:${this.port}`, region: 'us-east-1', credentials: KEY, maxAttempts: 1,
    });
    return this;
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode) return;
    this.proc.kill(signal);
    return this.exited;
  }

  send(cmd) { return this.client.send(cmd); }
}

// Polls GetImage until the status is one of `until` (or the deadline).
export async function waitForImage(server, arn, until = ['AVAILABLE', 'FAILED', 'CANCELLED'], timeoutMs = 180000) {
  const deadline = Date.now() + timeoutMs;
  const seen = [];
  for (;;) {
    const { image } = await server.send(new GetImageCommand({ imageBuildVersionArn: arn }));
    const status = image.state?.status;
    if (seen[seen.length - 1] !== status) seen.push(status);
    if (until.includes(status)) return { image, seen };
    if (Date.now() > deadline) throw new Error(`image ${arn} still ${status} after ${timeoutMs} ms (seen ${seen})`);
    await sleep(100);
  }
}

// Component documents used by the tests.
export function bashComponent(name, phases) {
  const body = Object.entries(phases).map(([phase, cmds]) => `  - name: ${phase}
    steps:
${cmds.map((c, i) => `      - name: Step${i + 1}
        action: ExecuteBash
        inputs:
          commands:
            - ${JSON.stringify(c)}`).join('\n')}`).join('\n');
  return `name: ${name}
schemaVersion: 1.0
phases:
${body}
`;
}

export async function component(server, data, version = '1.0.0') {
  const name = unique('comp');
  const r = await server.send(new CreateComponentCommand({
    name, semanticVersion: version, platform: 'Linux', data, clientToken: unique('ct'),
  }));
  return r.componentBuildVersionArn;
}

export async function recipe(server, componentArns, parentImage = 'busybox', extra = {}) {
  const r = await server.send(new CreateImageRecipeCommand({
    name: unique('recipe'), semanticVersion: '1.0.0', parentImage,
    components: componentArns.map((componentArn) => ({ componentArn })), clientToken: unique('ct'), ...extra,
  }));
  return r.imageRecipeArn;
}

export const DEFAULT_TEMPLATE = 'FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}\n';

export async function containerRecipe(server, componentArns, parentImage = 'busybox', template = DEFAULT_TEMPLATE) {
  const r = await server.send(new CreateContainerRecipeCommand({
    containerType: 'DOCKER', name: unique('crecipe'), semanticVersion: '1.0.0', parentImage,
    components: componentArns.map((componentArn) => ({ componentArn })),
    targetRepository: { service: 'ECR', repositoryName: 'kiln-test' },
    dockerfileTemplateData: template,
    clientToken: unique('ct'),
  }));
  return r.containerRecipeArn;
}

export async function infrastructure(server, extra = {}) {
  const r = await server.send(new CreateInfrastructureConfigurationCommand({
    name: unique('infra'), instanceProfileName: 'kiln-build', instanceTypes: ['t3.micro'],
    clientToken: unique('ct'), ...extra,
  }));
  return r.infrastructureConfigurationArn;
}

export async function workflow(server, type, data) {
  const r = await server.send(new CreateWorkflowCommand({
    name: unique('wf'), semanticVersion: '1.0.0', type, data, clientToken: unique('ct'),
  }));
  return r.workflowBuildVersionArn;
}

export async function createImage(server, recipeArn, infraArn, extra = {}) {
  const key = recipeArn.includes(':container-recipe/') ? 'containerRecipeArn' : 'imageRecipeArn';
  const r = await server.send(new CreateImageCommand({
    [key]: recipeArn, infrastructureConfigurationArn: infraArn, clientToken: unique('ct'), ...extra,
  }));
  return r.imageBuildVersionArn;
}

// Leaks: instances left under the data dir, overlay mounts, runc containers.
export function leftovers(server, { allowKept = [] } = {}) {
  const found = [];
  const instances = path.join(server.dataDir, 'instances');
  if (fs.existsSync(instances)) {
    for (const id of fs.readdirSync(instances)) if (!allowKept.includes(id)) found.push(`instance dir ${id}`);
  }
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line.includes(server.dataDir) && !allowKept.some((id) => line.includes(id))) found.push(`mount ${line.split(' ')[4]}`);
  }
  try {
    const list = execFileSync('runc', ['--root', path.join(server.dataDir, 'runc'), 'list', '-q'], { encoding: 'utf8' });
    for (const id of list.split('\n').filter(Boolean)) if (!allowKept.includes(id)) found.push(`runc container ${id}`);
  } catch { /* no runc state dir: nothing ran */ }
  const builds = path.join(server.dataDir, 'builds');
  if (fs.existsSync(builds)) for (const d of fs.readdirSync(builds)) found.push(`build dir ${d}`);
  return found;
}
