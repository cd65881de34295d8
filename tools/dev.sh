#!/usr/bin/env bash
# One entry point for a fresh machine: creates .venv, installs the project with its test extras,
# installs the Debian libraries Qt needs when they are missing, then runs what was asked.
#   bash tools/dev.sh app [ARGS]    open the window (ARGS go to margin-sandbox)
#   bash tools/dev.sh test [ARGS]   run the whole test suite (ARGS go to pytest)
#   bash tools/dev.sh lint          ruff (format and lint), mypy and the import-linter contracts
#   bash tools/dev.sh bench         run every benchmark in bench/
#   bash tools/dev.sh cli ARGS      run margin-sandbox ARGS (headless commands)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
py="${PYTHON:-python3}"

qt_libs() {
  # Libraries the Qt offscreen platform needs (env.md §2); only missing ones are installed.
  local missing=()
  local pairs=("libGL.so.1:libgl1" "libEGL.so.1:libegl1" "libxkbcommon.so.0:libxkbcommon0"
               "libfontconfig.so.1:libfontconfig1" "libglib-2.0.so.0:libglib2.0-0" "libdbus-1.so.3:libdbus-1-3")
  for pair in "${pairs[@]}"; do
    ldconfig -p 2>/dev/null | grep -q "${pair%%:*}" || missing+=("${pair##*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "Qt needs: ${missing[*]} (install them with your package manager)" >&2; return 0
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing Debian packages Qt needs: ${missing[*]}" >&2
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

ensure_env() {
  qt_libs
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  local stamp="$venv/.installed" want
  want="$(sha256sum pyproject.toml | cut -c1-64)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --upgrade pip >&2
    "$venv/bin/python" -m pip install -q -e ".[test]" >&2
    echo "$want" > "$stamp"
  fi
}

cmd="${1:-app}"; shift || true
ensure_env
case "$cmd" in
  app)   exec "$venv/bin/margin-sandbox" "$@" ;;
  cli)   exec "$venv/bin/margin-sandbox" "$@" ;;
  test)  exec "$venv/bin/python" -m pytest -q "$@" ;;
  lint)  "$venv/bin/ruff" format --check sandbox tests bench
         "$venv/bin/ruff" check sandbox tests bench
         "$venv/bin/mypy"
         "$venv/bin/lint-imports" ;;
  bench) for b in bench/bench_*.py; do echo "== $b"; "$venv/bin/python" "$b"; done ;;
  *) echo "usage: bash tools/dev.sh app|test|lint|bench|cli [ARGS]" >&2; exit 2 ;;
esac
