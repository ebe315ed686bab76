// Helper for bench/api_bench.sh (uses the SDK installed under tests/).
//   node api_requests.mjs populate N        creates N components, prints one ARN
//   node api_requests.mjs sign OP JSON      prints the SDK's signed request
//                                           {method, path, headers, body, status, error?}
//   node api_requests.mjs sign-set N ARN    prints a JSON array of signed requests:
//                                           GetComponent of N components (ARN is one
//                                           of them, the names differ in the number),
//                                           or, with ARN "list", N pages of
//                                           ListComponents followed by nextToken
// Environment: KILN_API_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const sdk = require('@aws-sdk/client-imagebuilder');

function client() {
  return new sdk.ImagebuilderClient({
    endpoint: process.env.KILN_API_ENDPOINT, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
  });
}

const DOC = 'name: bench\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: hello\n        action: ExecuteBash\n        inputs:\n          commands:\n            - echo hello\n';

async function populate(n) {
  const c = client();
  let first = null;
  for (let i = 0; i < n; i += 16) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 16); j++) {
      batch.push(c.send(new sdk.CreateComponentCommand({
        name: `bench-component-${String(j).padStart(4, '0')}`, semanticVersion: '1.0.0', platform: 'Linux',
        description: 'benchmark component', data: DOC, clientToken: `bench-${j}-${Date.now()}`,
      })));
    }
    const out = await Promise.all(batch);
    first ??= out[0].componentBuildVersionArn;
  }
  console.log(first);
}

async function sign(op, input, c = client()) {
  let captured, output;
  // After signing (finalizeRequest, low priority), remember the request.
  c.middlewareStack.add((next) => async (args) => {
    const r = args.request;
    captured = { method: r.method, path: r.path + (Object.keys(r.query ?? {}).length
      ? '?' + new URLSearchParams(r.query).toString().replace(/\+/g, '%20') : ''),
    headers: { ...r.headers },
    body: typeof r.body === 'string' ? r.body : (r.body ? Buffer.from(r.body).toString() : '') };
    const res = await next(args);
    captured.status = res.response.statusCode;
    return res;
  }, { step: 'finalizeRequest', priority: 'low', name: 'benchCapture' });
  try {
    output = await c.send(new sdk[`${op}Command`](input));
  } catch (e) {
    captured.error = `${e.name}: ${e.message}`;
  }
  c.middlewareStack.remove('benchCapture');
  return { captured, output };
}

async function signSet(n, arn) {
  const c = client();
  const out = [];
  let token;
  for (let i = 0; i < n; i++) {
    if (arn === 'list') {
      const { captured, output } = await sign('ListComponents', { maxResults: 25, nextToken: token }, c);
      out.push(captured);
      token = output?.nextToken;
      if (!token) break;
    } else {
      const one = arn.replace(/bench-component-\d{4}/, `bench-component-${String(i).padStart(4, '0')}`);
      out.push((await sign('GetComponent', { componentBuildVersionArn: one }, c)).captured);
    }
  }
  console.log(JSON.stringify(out));
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'populate') await populate(Number(a));
else if (mode === 'sign') console.log(JSON.stringify((await sign(a, JSON.parse(b ?? '{}'))).captured));
else if (mode === 'sign-set') await signSet(Number(a), b);
else { console.error('usage: populate N | sign OP JSON | sign-set N ARN|list'); process.exit(2); }
