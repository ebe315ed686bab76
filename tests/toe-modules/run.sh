#!/usr/bin/env bash
# kiln-toe action modules against real servers on loopback:
#   - S3Download / S3Upload, s3:// documents and --log-s3-bucket-name against
#     the s3rver that tests/lib/services.sh starts (KILN_TEST_S3_ENDPOINT);
#   - WebDownload against a python3 http.server this script starts on
#     127.0.0.1 (checksum pass/fail, folder destinations, localhost by name,
#     which the static kiln-toe resolves without NSS);
#   - one combined document over the file-system modules (the guide's
#     examples themselves, T47-T66, are cases of tests/toe/run.sh).
# Stops exactly the processes it starts.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${KILN_BIN:-$root/build/bin}
work=${KILN_TEST_WORK:-$root/tests/.work}/toe-modules
rm -rf "$work"; mkdir -p "$work"
toe=$bin/kiln-toe
[ -x "$toe" ] || { echo "kiln-toe not built at $toe"; exit 1; }

pass=0; fail=0; failed=()
ok() { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); failed+=("$1"); echo "FAIL $1${2:+: $2}"; }
check() {  # name command... (succeeds = pass)
  local name=$1; shift
  if "$@" >>"$work/checks.log" 2>&1; then ok "$name"; else bad "$name" "$*"; fi
}

# run_doc NAME WANT_EXIT [extra kiln-toe args...] : runs $work/NAME/doc.yml
run_doc() {
  local name=$1 want=$2; shift 2
  local dir=$work/$name
  mkdir -p "$dir/logs"
  (cd "$dir" && "$toe" run -d doc.yml -l "$dir/logs" "$@" >"$dir/run.out" 2>"$dir/run.err")
  local rc=$?
  if [ "$rc" = "$want" ]; then ok "$name (exit $rc)"; else
    bad "$name" "exit $rc, want $want; $(tail -c 600 "$dir/run.err") $(grep -h failureMessage "$dir/run.out" | head -2)"
  fi
}
doc() { mkdir -p "$work/$1"; cat > "$work/$1/doc.yml"; }
console_of() { cat "$(ls -d "$work/$1"/logs/TOE_* | head -1)/console.log"; }
detailed_of() { cat "$(ls -d "$work/$1"/logs/TOE_* | head -1)/detailedoutput.json"; }

# ------------------------------------------------------------------ HTTP
http_pid=; tls_pid=
cleanup() {
  [ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null && wait "$http_pid" 2>/dev/null
  [ -n "$tls_pid" ] && kill "$tls_pid" 2>/dev/null && wait "$tls_pid" 2>/dev/null
}
trap cleanup EXIT
www=$work/www; mkdir -p "$www/path/to"
head -c 100000 /dev/urandom > "$www/path/to/java14.zip"
echo "resource body" > "$www/resource"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$www" >"$work/http.log" 2>&1 &
http_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
web=http://127.0.0.1:$port
sha=$(sha256sum "$www/path/to/java14.zip" | cut -d' ' -f1)
md5=$(md5sum "$www/path/to/java14.zip" | cut -d' ' -f1)

# T49: the guide's WebDownload examples, against the local server.
d=$work/web
doc web <<YAML
name: WebDownloadExamples
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: DownloadRemoteFile
        action: WebDownload
        maxAttempts: 3
        inputs:
          - source: $web/path/to/java14.zip
            destination: $d/testfolder/package.zip
      - name: DownloadRemoteFiles
        action: WebDownload
        maxAttempts: 3
        inputs:
          - source: $web/path/to/java14.zip
            destination: $d/tmp/java14_renamed.zip
          - source: http://localhost:$port/path/to/java14.zip
            destination: $d/tmp/create_new_folder_and_add_java14_as_zip/
      - name: DownloadRemoteMultipleProperties
        action: WebDownload
        inputs:
          - source: $web/path/to/java14.zip
            destination: $d/create_new_folder/java14_renamed.zip
            overwrite: false
          - source: $web/path/to/java14.zip
            destination: $d/create_new_folder_and_add_java14_as_zip/
            checksum: $md5
            algorithm: MD5
            overwrite: true
      - name: VerifiedSha256
        action: WebDownload
        inputs:
          - source: $web/resource
            destination: $d/downloads/
            checksum: $(sha256sum "$www/resource" | cut -d' ' -f1)
            algorithm: SHA256
      - name: Chained
        action: ExecuteBash
        inputs:
          commands:
            - echo "{{ build.DownloadRemoteFiles.outputs.destination }}"
YAML
run_doc web 0
check "web: files downloaded intact" cmp "$www/path/to/java14.zip" "$d/tmp/create_new_folder_and_add_java14_as_zip/java14.zip"
check "web: sha256 destination" test "$(cat "$d/downloads/resource")" = "resource body"
check "web: multi-item output joins with newline" bash -c "console_of() { cat \$(ls -d $d/logs/TOE_* | head -1)/console.log; }; console_of | grep -qxF '$d/tmp/java14_renamed.zip' && console_of | grep -qxF '$d/tmp/create_new_folder_and_add_java14_as_zip/java14.zip'"
check "web: no temporary files left" bash -c "! find $d -name '*.kiln-*' | grep -q ."

doc web-bad-checksum <<YAML
name: BadChecksum
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Download
        action: WebDownload
        inputs:
          - source: $web/path/to/java14.zip
            destination: $work/web-bad-checksum/out/java14.zip
            checksum: $(printf '0%.0s' $(seq 64))
            algorithm: SHA256
YAML
run_doc web-bad-checksum 1
check "web: checksum mismatch leaves no file" test ! -e "$work/web-bad-checksum/out/java14.zip"
check "web: checksum failure is reported" grep -q "checksum" "$work/web-bad-checksum/run.out"

doc web-no-overwrite <<YAML
name: NoOverwrite
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Download
        action: WebDownload
        inputs:
          - source: $web/resource
            destination: $work/web-no-overwrite/existing.txt
            overwrite: false
YAML
echo "keep me" > "$work/web-no-overwrite/existing.txt"
run_doc web-no-overwrite 1
check "web: overwrite false keeps the file" test "$(cat "$work/web-no-overwrite/existing.txt")" = "keep me"

doc web-404 <<YAML
name: NotFound
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Download
        action: WebDownload
        inputs:
          - source: $web/missing.bin
            destination: $work/web-404/missing.bin
YAML
run_doc web-404 1
check "web: non-200 names the status" grep -q "404" "$work/web-404/run.out"

# HTTPS: a self-signed server (openssl s_server) on 127.0.0.1. Without
# ignoreCertificateErrors the download must fail verification; with it, or
# with the certificate trusted through SSL_CERT_FILE, it must succeed.
t=$work/tls; mkdir -p "$t/www"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$t/key.pem" -out "$t/cert.pem" -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
echo "secure body" > "$t/www/secure.txt"
tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
(cd "$t/www" && exec openssl s_server -accept "127.0.0.1:$tport" -cert "$t/cert.pem" -key "$t/key.pem" -WWW -quiet \
   >"$t/server.log" 2>&1) &
tls_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$tport") 2>/dev/null && break; sleep 0.1; done
tls_doc() {  # name ignore-errors
  doc "$1" <<YAML
name: Tls
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: DownloadRemoteIgnoreValidation
        action: WebDownload
        inputs:
          - source: https://localhost:$tport/secure.txt
            destination: $work/$1/downloads/
            ignoreCertificateErrors: $2
YAML
}
tls_doc tls-untrusted false
run_doc tls-untrusted 1
check "tls: self-signed certificate rejected" grep -q "certificate verify failed" "$work/tls-untrusted/run.out"
check "tls: nothing written when rejected" test ! -e "$work/tls-untrusted/downloads/secure.txt"
tls_doc tls-ignore true
run_doc tls-ignore 0
check "tls: ignoreCertificateErrors downloads" test "$(cat "$work/tls-ignore/downloads/secure.txt")" = "secure body"
tls_doc tls-trusted false
SSL_CERT_FILE=$t/cert.pem run_doc tls-trusted 0
check "tls: trusted via SSL_CERT_FILE" test "$(cat "$work/tls-trusted/downloads/secure.txt")" = "secure body"

# ------------------------------------------------------------------ S3
if [ -z "${KILN_TEST_S3_ENDPOINT:-}" ]; then
  bad "s3 suites" "KILN_TEST_S3_ENDPOINT is not set (run through tests/run.sh)"
else
  export AWS_ENDPOINT_URL_S3=$KILN_TEST_S3_ENDPOINT AWS_REGION=${AWS_REGION:-us-east-1}
  aws_s3() { aws --endpoint-url "$KILN_TEST_S3_ENDPOINT" --region us-east-1 s3 "$@"; }
  bucket=kiln-toe-modules-$$
  check "s3: create bucket (awscli)" aws_s3 mb "s3://$bucket"
  src=$work/s3src; mkdir -p "$src/path/to" "$src/my-folder/sub"
  head -c 50000 /dev/urandom > "$src/path/to/package.zip"
  echo one > "$src/my-folder/a.txt"; echo two > "$src/my-folder/sub/b.txt"
  check "s3: seed objects (awscli)" aws_s3 cp --recursive "$src" "s3://$bucket/"

  # T47: S3Download single object (overwrite false then true) and a prefix.
  d=$work/s3download
  doc s3download <<YAML
name: S3DownloadExamples
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: DownloadMyFile
        action: S3Download
        inputs:
          - source: s3://$bucket/path/to/package.zip
            destination: $d/myfolder/package.zip
            overwrite: false
          - source: s3://$bucket/path/to/package.zip
            destination: $d/myfolder/package.zip
            overwrite: true
      - name: MyS3DownloadKeyprefix
        action: S3Download
        maxAttempts: 3
        inputs:
          - source: s3://$bucket/my-folder/*
            destination: $d/my-folder/
      - name: Chained
        action: ExecuteBash
        inputs:
          commands:
            - cat "{{ build.MyS3DownloadKeyprefix.inputs[0].destination }}sub/b.txt"
YAML
  run_doc s3download 0
  check "s3download: single object intact" cmp "$src/path/to/package.zip" "$d/myfolder/package.zip"
  check "s3download: prefix tree" test "$(cat "$d/my-folder/sub/b.txt")" = two
  check "s3download: chaining to inputs" grep -qx two "$(ls -d "$d"/logs/TOE_* | head -1)/console.log"

  doc s3download-no-overwrite <<YAML
name: S3DownloadNoOverwrite
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: DownloadMyFile
        action: S3Download
        inputs:
          - source: s3://$bucket/path/to/package.zip
            destination: $work/s3download-no-overwrite/package.zip
            overwrite: false
YAML
  echo old > "$work/s3download-no-overwrite/package.zip"
  run_doc s3download-no-overwrite 1
  check "s3download: the guide's overwrite error" grep -qF 'File already exists and \"overwrite\" property for \"destination\" file is set to false' "$work/s3download-no-overwrite/run.out"
  check "s3download: existing file kept" test "$(cat "$work/s3download-no-overwrite/package.zip")" = old

  doc s3download-missing <<YAML
name: S3DownloadMissing
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Missing
        action: S3Download
        inputs:
          - source: s3://$bucket/no/such/key.zip
            destination: $work/s3download-missing/key.zip
YAML
  run_doc s3download-missing 1
  check "s3download: missing key is NoSuchKey" grep -q "NoSuchKey" "$work/s3download-missing/run.out"
  check "s3download: nothing written" test ! -e "$work/s3download-missing/key.zip"

  # T48: S3Upload file, folder/* and recurse.
  up=$work/s3upload/data; mkdir -p "$up/sub"
  echo f1 > "$up/f1.txt"; echo f2 > "$up/f2.txt"; echo deep > "$up/sub/deep.txt"
  doc s3upload <<YAML
name: S3UploadExamples
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: MyS3UploadFile
        action: S3Upload
        onFailure: Abort
        maxAttempts: 3
        inputs:
          - source: $up/f1.txt
            destination: s3://$bucket/up/single/f1.txt
      - name: MyS3UploadMultipleFiles
        action: S3Upload
        inputs:
          - source: $up/*
            destination: s3://$bucket/up/flat/
      - name: MyS3UploadFolder
        action: S3Upload
        inputs:
          - source: $up
            destination: s3://$bucket/up/tree/
            recurse: true
YAML
  run_doc s3upload 0
  listing=$(aws_s3 ls --recursive "s3://$bucket/up/" | awk '{print $4}' | sort | tr '\n' ' ')
  check "s3upload: keys" test "$listing" = "up/flat/f1.txt up/flat/f2.txt up/single/f1.txt up/tree/f1.txt up/tree/f2.txt up/tree/sub/deep.txt "
  check "s3upload: content" test "$(aws_s3 cp "s3://$bucket/up/tree/sub/deep.txt" -)" = deep

  # s3:// documents and log upload.
  mkdir -p "$work/s3doc"
  cat > "$work/s3doc/remote.yml" <<'YAML'
name: RemoteDocument
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecuteBash
        inputs:
          commands:
            - echo "Hello from S3"
YAML
  check "s3doc: upload document (awscli)" aws_s3 cp "$work/s3doc/remote.yml" "s3://$bucket/docs/remote.yml"
  check "s3doc: validate s3:// document" "$toe" validate -d "s3://$bucket/docs/remote.yml"
  (cd "$work/s3doc" && "$toe" run -d "s3://$bucket/docs/remote.yml" -l "$work/s3doc/logs" \
     --log-s3-bucket-name "$bucket" --log-s3-key-prefix runlogs >"$work/s3doc/run.out" 2>"$work/s3doc/run.err")
  rc=$?
  if [ "$rc" = 0 ]; then ok "s3doc: run s3:// document with --log-s3-bucket-name"; else bad "s3doc: run" "exit $rc $(cat "$work/s3doc/run.err")"; fi
  check "s3doc: console" grep -qx "Hello from S3" "$(ls -d "$work"/s3doc/logs/TOE_* | head -1)/console.log"
  check "s3doc: logs uploaded" bash -c "aws --endpoint-url $KILN_TEST_S3_ENDPOINT --region us-east-1 s3 ls --recursive s3://$bucket/runlogs/ | grep -q console.log"
  out=$("$toe" validate -d "s3://$bucket/docs/none.yml" 2>&1); rc=$?
  if [ "$rc" = 1 ] && grep -q "s3://$bucket/docs/none.yml" <<< "$out" && grep -q NoSuchKey <<< "$out"; then
    ok "s3doc: missing document fails naming the URI"
  else bad "s3doc: missing document" "exit $rc: $out"; fi
fi

# ------------------------------------------------------------------ files
# The guide's file-system examples (T50-T66), Linux paths under one folder.
f=$work/files
mkdir -p "$f/Sample" "$f/src/logs" "$f/folders/a" "$f/folders/b" "$f/del" "$f/list/sub"
echo "existing" > "$f/Sample/existing.txt"
touch "$f/src/logs/one.log" "$f/src/logs/two.log" "$f/src/logs/keep.txt"
echo 1 > "$f/folders/a/1.txt"; echo 2 > "$f/folders/b/2.txt"
touch "$f/del/a.log" "$f/del/b.log" "$f/del/c.txt"
touch "$f/list/sample1.txt" "$f/list/sample2.txt" "$f/list/sample3.log" "$f/list/sub/sample4.txt"
doc files <<YAML
name: FileSystemExamples
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: AppendingFileWithOutEncodingLinux
        action: AppendFile
        inputs:
          - path: $f/Sample/existing.txt
            content: "appended"
          - path: $f/Sample/existing.txt
      - name: CreatingFileWithProperties
        action: CreateFile
        inputs:
          - path: $f/Sample/new/props.txt
            content: "The file content"
            encoding: UTF-16
            permissions: "0777"
          - path: $f/Sample/new/empty.txt
          - path: $f/Sample/skip_cleanup_toe_files
      - name: CreateFolderWithPermissions
        action: CreateFolder
        inputs:
          - path: $f/made/a/b
            permissions: "755"
      - name: CopyWithRename
        action: CopyFile
        inputs:
          - source: $f/src/logs/one.log
            destination: $f/copies/renamed.log
          - source: $f/src/logs/*.log
            destination: $f/copies/all/
      - name: CopyFolders
        action: CopyFolder
        inputs:
          - source: $f/folders/*
            destination: $f/folder-copies/
      - name: MoveFiles
        action: MoveFile
        inputs:
          - source: $f/copies/all/*
            destination: $f/moved/
      - name: MoveFolders
        action: MoveFolder
        inputs:
          - source: $f/folder-copies/a
            destination: $f/moved-folders/a-renamed
      - name: Symlink
        action: CreateSymlink
        inputs:
          - path: $f/links/existing-link
            target: $f/Sample/existing.txt
      - name: DeleteLogs
        action: DeleteFile
        inputs:
          - path: "$f/del/*log"
      - name: ListTxt
        action: ListFiles
        inputs:
          - path: $f/list
            fileNamePattern: "*.txt"
      - name: ReadIt
        action: ReadFile
        inputs:
          - path: $f/Sample/new/props.txt
            encoding: utf-16
      - name: Encode
        action: SetFileEncoding
        inputs:
          - path: $f/Sample/existing.txt
            encoding: utf32-BE
      - name: Perms
        action: SetFilePermissions
        inputs:
          - path: $f/Sample/new/empty.txt
            permissions: "766"
      - name: FolderPerms
        action: SetFolderPermissions
        inputs:
          - path: $f/made
            permissions: "0777"
            recursive: true
      - name: Owner
        action: SetFolderOwner
        inputs:
          - path: $f/made
            owner: "$(id -u)"
      - name: DeleteEmptyFolder
        action: DeleteFolder
        inputs:
          - path: $f/made
            force: true
      - name: Show
        action: ExecuteBash
        inputs:
          commands:
            - echo "files={{ build.ListTxt.outputs.files }}"
            - echo "content={{ build.ReadIt.outputs.content }}"
YAML
run_doc files 0
c=$(ls -d "$f"/logs/TOE_* 2>/dev/null | head -1)/console.log
check "files: ListFiles comma output" grep -qxF "files=$f/list/sample1.txt,$f/list/sample2.txt" "$c"
check "files: ReadFile of UTF-16 file" grep -qxF "content=The file content" "$c"
check "files: CreateFile permissions 0777" test "$(stat -c %a "$f/Sample/new/props.txt")" = 777
check "files: SetFilePermissions 766" test "$(stat -c %a "$f/Sample/new/empty.txt")" = 766
check "files: UTF-32BE re-encoding" test "$(iconv -f UTF-32BE -t UTF-8 "$f/Sample/existing.txt")" = "$(printf 'existing\nappended')"
check "files: copies and moves" test -f "$f/copies/renamed.log" -a -f "$f/moved/two.log" -a ! -e "$f/copies/all/two.log" -a -f "$f/moved-folders/a-renamed/1.txt" -a -f "$f/folder-copies/b/2.txt"
check "files: DeleteFile wildcard" test ! -e "$f/del/a.log" -a -f "$f/del/c.txt"
check "files: symlink" test "$(readlink "$f/links/existing-link")" = "$f/Sample/existing.txt"
check "files: DeleteFolder force" test ! -e "$f/made"
check "files: detailedoutput has module outputs" grep -q '"files' "$(ls -d "$f"/logs/TOE_* | head -1)/detailedoutput.json"

# T63/T64: ownership by user name (needs root and the standard 'nobody' user).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  o=$work/owners; mkdir -p "$o/tree/sub"; touch "$o/file.txt" "$o/tree/sub/x.txt"
  ln -s "$o/file.txt" "$o/link"
  doc owners <<YAML
name: Owners
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: SetFileOwnerViaLink
        action: SetFileOwner
        inputs:
          - path: $o/link
            owner: nobody
      - name: SetFolderOwnerRecursive
        action: SetFolderOwner
        inputs:
          - path: $o/tree
            owner: nobody
            group: root
YAML
  run_doc owners 0
  check "owners: symlink target changed" test "$(stat -c %U "$o/file.txt")" = nobody
  check "owners: default group is the user's primary group" test "$(stat -c %g "$o/file.txt")" = "$(id -g nobody)"
  check "owners: recursive" test "$(stat -c %U:%G "$o/tree/sub/x.txt")" = nobody:root
else
  echo "skip owners (needs root and a 'nobody' user)"
fi

# Validation rejects bad module inputs by field, and Windows-only modules by name.
doc bad-inputs <<YAML
name: BadInputs
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: BadPermissions
        action: CreateFile
        inputs:
          - path: /tmp/x
            permissions: "rwx"
YAML
out=$("$toe" validate -d "$work/bad-inputs/doc.yml" 2>&1); rc=$?
if [ "$rc" = 1 ] && grep -q "permissions" <<< "$out"; then ok "validate: bad permissions named"; else bad "validate: bad permissions" "$rc $out"; fi
doc windows-only <<YAML
name: WindowsOnly
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: PS
        action: ExecutePowerShell
        inputs:
          commands:
            - Write-Host hi
YAML
out=$("$toe" validate -d "$work/windows-only/doc.yml" 2>&1); rc=$?
if [ "$rc" = 1 ] && grep -q "ExecutePowerShell" <<< "$out" && grep -qi "windows" <<< "$out"; then ok "validate: Windows-only module rejected by name"; else bad "validate: Windows-only" "$rc $out"; fi

echo "toe-modules: $pass passed, $fail failed"
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
[ "$fail" -eq 0 ]
