#!/usr/bin/env bash
# awscli smoke test against a running `kiln serve` (started by tests/api/run.sh):
# the Debian AWS CLI v2 must sign, reach the operation and parse Kiln's errors
# into "An error occurred (<Type>) when calling the <Op> operation: ...".
set -uo pipefail
: "${KILN_API_ENDPOINT:?run through tests/api/run.sh}"
aws=/usr/bin/aws; [ -x "$aws" ] || aws=$(command -v aws)
export AWS_ACCESS_KEY_ID=$KILN_TEST_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$KILN_TEST_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
ib() { "$aws" imagebuilder --endpoint-url "$KILN_API_ENDPOINT" "$@"; }
fails=0
check() {  # description expected-regex command...
  local what=$1 want=$2; shift 2
  local out; out=$("$@" 2>&1)
  if grep -Eq -- "$want" <<<"$out"; then echo "ok   - $what"
  else echo "FAIL - $what"; echo "  wanted /$want/, got: $out" | head -5; fails=$((fails+1)); fi
}

# list-components: a JSON answer once implemented, else a clear 501 naming it.
check "list-components is signed and answered" \
  '"componentVersionList"|\(NotImplementedException\) when calling the ListComponents operation: Kiln does not implement the ListComponents operation' \
  ib list-components
check "validation error parsed with type and field" \
  "\(InvalidRequestException\) when calling the GetComponent operation: 1 validation error detected: Value 'bogus' at 'componentBuildVersionArn'" \
  ib get-component --component-build-version-arn bogus
check "enum violation in a create call" \
  "\(InvalidRequestException\) when calling the CreateComponent operation: .*at 'platform' failed to satisfy constraint: Member must satisfy enum value set" \
  ib create-component --name smoke-test --semantic-version 1.0.0 --platform Plan9 --data 'x'
check "tag operations route through /tags/{resourceArn}" \
  '"tags"|\((NotImplementedException|ResourceNotFoundException)\) when calling the ListTagsForResource operation' \
  ib list-tags-for-resource --resource-arn arn:aws:imagebuilder:us-east-1:111122223333:component/abc/1.0.0/1
check "wrong secret is InvalidSignatureException" \
  '\(InvalidSignatureException\) when calling the ListComponents operation' \
  env AWS_SECRET_ACCESS_KEY=wrong "$aws" imagebuilder --endpoint-url "$KILN_API_ENDPOINT" list-components
check "unknown key is UnrecognizedClientException" \
  '\(UnrecognizedClientException\) when calling the ListComponents operation' \
  env AWS_ACCESS_KEY_ID=AKIDUNKNOWN "$aws" imagebuilder --endpoint-url "$KILN_API_ENDPOINT" list-components

echo "awscli smoke: $fails failure(s)"
[ "$fails" -eq 0 ]
