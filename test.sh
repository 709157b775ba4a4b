#!/usr/bin/env bash
# Runs every test of Kse.Mcp. On a fresh machine it first installs what the tests need and the .NET SDK
# does not bring: Debian's chromium (browser tests of the approval page), openssh-server/-client
# (SSH execution tests on loopback) and postgresql (the tests start throwaway servers with initdb as the
# unprivileged user 'postgres'; no default cluster is created or started by the package).
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
{ command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ]; } || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if [[ " ${need[*]} " == *" postgresql "* ]]; then
    $SUDO mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.d/kse-tests.conf >/dev/null
  fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
# The PostgreSQL server refuses to run as root: the tests run it as 'postgres' (the package creates that user).
if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
fi

results=$(mktemp -d)
set +e
dotnet test Kse.Mcp.sln -c Release --logger "trx" --results-directory "$results" "$@"
rc=$?
set -e
# One closing line over every test project, read from the TRX files.
python3 - "$results" <<'PY' || true
import sys, glob, re
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    t = open(path, encoding="utf-8").read()
    m = re.search(r'<Counters [^>]*', t)
    if not m: continue
    c = dict(re.findall(r'(\w+)="(\d+)"', m.group(0)))
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)); s += int(c.get("notExecuted", 0))
print(f"{p} passed, {f} failed, {s} skipped")
PY
exit $rc
