// Shared helpers for the API conformance tests (node --test tests/api/).
// tests/api/run.sh starts `kiln serve` and exports:
//   KILN_API_ENDPOINT        http://127.0.0.1:<port>
//   KILN_TEST_ACCESS_KEY_ID / KILN_TEST_SECRET_ACCESS_KEY   account KILN_TEST_ACCOUNT_ID
//   KILN_TEST_ACCESS_KEY_ID_2 / KILN_TEST_SECRET_ACCESS_KEY_2  account KILN_TEST_ACCOUNT_ID_2
// Other suites import client() to talk to the server with the official SDK.
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';

export const endpoint = process.env.KILN_API_ENDPOINT;
if (!endpoint) throw new Error('KILN_API_ENDPOINT is not set: run the suite through tests/api/run.sh');

export const account1 = {
  accessKeyId: process.env.KILN_TEST_ACCESS_KEY_ID,
  secretAccessKey: process.env.KILN_TEST_SECRET_ACCESS_KEY,
  accountId: process.env.KILN_TEST_ACCOUNT_ID,
};
export const account2 = {
  accessKeyId: process.env.KILN_TEST_ACCESS_KEY_ID_2,
  secretAccessKey: process.env.KILN_TEST_SECRET_ACCESS_KEY_2,
  accountId: process.env.KILN_TEST_ACCOUNT_ID_2,
};

// An ImagebuilderClient for the server under test.
//   opts.account  {accessKeyId, secretAccessKey} (default account1)
//   opts.region   default 'us-east-1'
//   opts.extra    more client config (e.g. maxAttempts, systemClockOffset)
export function client(opts = {}) {
  const acct = opts.account ?? account1;
  return new ImagebuilderClient({
    endpoint,
    region: opts.region ?? 'us-east-1',
    credentials: { accessKeyId: acct.accessKeyId, secretAccessKey: acct.secretAccessKey },
    maxAttempts: 1,
    ...(opts.extra ?? {}),
  });
}

// Runs `promise` and returns the error it rejects with (fails if it resolves).
export async function errorOf(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

// A unique-enough suffix for resource names created by a test.
export function unique(prefix = 't') {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
