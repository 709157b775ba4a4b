#!/usr/bin/env bash
# `kse change classify --diff` of a 10,000-file diff, end to end (process start, parse, classify, JSON out), against
# git writing that diff, measured in the same run. Prints medians of each and the ratio.
#   bench/classify.sh [runs]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build src/Kse.Cli -c Release -o "$out/kse" >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
repo="$out/repo"; mkdir -p "$repo/src" "$repo/.sce"
git -C "$repo" init -q
python3 - "$repo" <<'PY'
import sys, os
root = sys.argv[1]
for i in range(10000):
    d = os.path.join(root, "src", f"m{i // 500}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"F{i}.cs"), "w") as f:
        f.write("namespace App;\n\npublic static class F%d\n{\n    public static int Value() => %d;\n}\n" % (i, i))
PY
git -C "$repo" add -A && git -C "$repo" -c user.email=b@b -c user.name=bench commit -qm base
find "$repo/src" -name '*.cs' -exec sed -i 's/=> \([0-9]*\);/=> \1 + 1;/' {} +
python3 - "$runs" "$out" "$repo" <<'PY'
import subprocess, sys, time, statistics, os
runs, out, repo = int(sys.argv[1]), sys.argv[2], sys.argv[3]
diff = os.path.join(out, "big.diff")
def timed(cmd, stdout):
    t = time.perf_counter(); subprocess.run(cmd, stdout=stdout, stderr=subprocess.DEVNULL, check=True); return time.perf_counter() - t
git, kse = [], []
for _ in range(runs):
    with open(diff, "w") as f: git.append(timed(["git", "-C", repo, "diff"], f))
    with open(os.devnull, "w") as f: kse.append(timed(["dotnet", f"{out}/kse/kse.dll", "change", "classify", "--diff", diff, "--json", "--root", repo], f))
size = os.path.getsize(diff)
print(f"diff: 10,000 files, {size/1e6:.1f} MB")
print(f"git diff                        median {statistics.median(git)*1000:6.0f} ms  ({runs} runs)")
print(f"kse change classify --diff      median {statistics.median(kse)*1000:6.0f} ms  ({runs} runs)")
print(f"ratio kse / git (medians): {statistics.median(kse)/statistics.median(git):.2f}")
PY
