// Helper of bench/build_bench.sh: times CreateImage -> AVAILABLE through the
// API (official AWS SDK) on a running kiln serve.
//   node api_build.mjs setup ENDPOINT     creates the components, recipe and
//                                         infrastructure; prints "RECIPE INFRA"
//   node api_build.mjs run ENDPOINT RECIPE INFRA
//                                         one build; prints its seconds
import { createRequire } from 'node:module';

// The SDK is installed under tests/ (tests/package.json pins it).
const require = createRequire(new URL('../tests/package.json', import.meta.url));
const {
  ImagebuilderClient, CreateComponentCommand, CreateImageRecipeCommand,
  CreateInfrastructureConfigurationCommand, CreateImageCommand, GetImageCommand,
} = require('@aws-sdk/client-imagebuilder');

const [mode, endpoint, recipeArn, infraArn] = process.argv.slice(2);
const c = new ImagebuilderClient({
  endpoint, region: 'us-east-1', maxAttempts: 1,
  credentials: { accessKeyId: process.env.KILN_ACCESS_KEY_ID, secretAccessKey: process.env.KILN_SECRET_ACCESS_KEY },
});
const token = () => `t${Date.now()}${Math.random()}`;

const BUILD = `name: hello-build
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: MakeDirs
        action: ExecuteBash
        inputs:
          commands: ["mkdir -p /usr/local/bin /etc/hello"]
      - name: Greeting
        action: ExecuteBash
        inputs:
          commands: ["echo 'Hello from Kiln' > /etc/hello/greeting"]
      - name: Script
        action: ExecuteBash
        inputs:
          commands: ["printf '#!/bin/sh\\\\ncat /etc/hello/greeting\\\\n' > /usr/local/bin/hello && chmod 0755 /usr/local/bin/hello"]
`;
const TEST = `name: hello-test
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: Greets
        action: ExecuteBash
        inputs:
          commands: ["grep -q 'Hello from Kiln' /etc/hello/greeting"]
`;

if (mode === 'setup') {
  const b = await c.send(new CreateComponentCommand({ name: 'bench-build', semanticVersion: '1.0.0', platform: 'Linux', data: BUILD, clientToken: token() }));
  const t = await c.send(new CreateComponentCommand({ name: 'bench-test', semanticVersion: '1.0.0', platform: 'Linux', data: TEST, clientToken: token() }));
  const r = await c.send(new CreateImageRecipeCommand({ name: 'bench', semanticVersion: '1.0.0', parentImage: 'busybox',
    components: [{ componentArn: b.componentBuildVersionArn }, { componentArn: t.componentBuildVersionArn }], clientToken: token() }));
  const i = await c.send(new CreateInfrastructureConfigurationCommand({ name: 'bench', instanceProfileName: 'kiln', clientToken: token() }));
  console.log(`${r.imageRecipeArn} ${i.infrastructureConfigurationArn}`);
} else {
  const start = process.hrtime.bigint();
  const { imageBuildVersionArn } = await c.send(new CreateImageCommand({ imageRecipeArn: recipeArn,
    infrastructureConfigurationArn: infraArn, clientToken: token() }));
  for (;;) {
    const { image } = await c.send(new GetImageCommand({ imageBuildVersionArn }));
    const s = image.state.status;
    if (s === 'AVAILABLE') break;
    if (s === 'FAILED' || s === 'CANCELLED') { console.error(`${s}: ${image.state.reason}`); process.exit(1); }
    await new Promise((r) => setTimeout(r, 25));
  }
  console.log((Number(process.hrtime.bigint() - start) / 1e9).toFixed(3));
}
