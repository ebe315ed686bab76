#!/usr/bin/env bash
# Snapshot throughput: Kiln's CreateImage path (`kiln image commit`: tree walk
# -> tar -> zstd level 3, hashing digest and diff_id while streaming) against
# `tar -cf - | zstd -3` of the same ~200 MB directory, in the same run.
# Prints medians of RUNS (default 5) and the throughput ratio (target >= 0.8).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${KILN_BIN:-$PWD/build/bin}
runs=${RUNS:-5}
work=$(mktemp -d /tmp/kiln-snapbench-XXXXXX)
trap 'rm -rf "$work"' EXIT
export KILN_DATA_DIR=$work/data

# ~200 MB of change: 100 MB of real binaries/libraries (as a package install
# writes) plus 100 MB of text-like data.
src=$work/change
mkdir -p "$src/usr/lib" "$src/var/data"
budget=$((100 * 1024 * 1024)); used=0
while IFS= read -r f; do
  sz=$(stat -c %s "$f"); [ $((used + sz)) -gt $budget ] && continue
  cp --parents "$f" "$src/usr/lib/" 2>/dev/null || continue
  used=$((used + sz)); [ $used -ge $((budget - 1024 * 1024)) ] && break
done < <(find /usr/lib/x86_64-linux-gnu /usr/bin -type f -size +16k 2>/dev/null | sort)
for i in $(seq 1 100); do head -c 786432 /dev/urandom | base64 >"$src/var/data/file$i.txt"; done
bytes=$(du -sb "$src" | cut -f1)
echo "change: $(du -sh "$src" | cut -f1) in $(find "$src" | wc -l) entries"

"$bin/kiln" image import busybox base:1 >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }
t_tar=(); t_kiln=()
for r in $(seq 1 "$runs"); do
  sync; s=$(now); tar -C "$src" -cf - . | zstd -3 -q -o "$work/out.tar.zst" -f; e=$(now)
  t_tar+=("$(echo "$e - $s" | bc)"); rm -f "$work/out.tar.zst"
  sync; s=$(now); "$bin/kiln" image commit base:1 "$src" "snap:$r" >"$work/commit.out"; e=$(now)
  t_kiln+=("$(echo "$e - $s" | bc)")
  "$bin/kiln" image rm "snap:$r" >/dev/null
done
mt=$(printf '%s\n' "${t_tar[@]}" | median)
mk=$(printf '%s\n' "${t_kiln[@]}" | median)
mb=$(echo "scale=1; $bytes / 1048576" | bc)
echo "tar | zstd -3     median $mt s  ($(echo "scale=1; $mb / $mt" | bc) MB/s)  runs: ${t_tar[*]}"
echo "kiln image commit median $mk s  ($(echo "scale=1; $mb / $mk" | bc) MB/s)  runs: ${t_kiln[*]}"
echo "throughput ratio kiln / (tar|zstd): $(echo "scale=2; $mt / $mk" | bc)  (target >= 0.8)"
# Both sides run interleaved, so host load hits them alike; it still moves
# the figures, so say what it was.
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
