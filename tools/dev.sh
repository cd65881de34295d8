#!/usr/bin/env bash
# One entry point for a fresh machine: creates .venv, installs the project with its test extras,
# installs the Debian libraries Qt needs when they are missing, then runs what was asked.
#   bash tools/dev.sh app [ARGS]    open the window (ARGS go to margin-sandbox)
#   bash tools/dev.sh test [ARGS]   run the whole test suite offscreen (ARGS go to pytest)
#   bash tools/dev.sh xtest [ARGS]  run the window's tests in a real X window (Xvfb, the xcb platform)
#   bash tools/dev.sh wheel         build the wheel, install it in a fresh venv, run replay, simulate, shot
#   bash tools/dev.sh lint          ruff (format and lint), mypy and the import-linter contracts
#   bash tools/dev.sh bench         run every benchmark in bench/
#   bash tools/dev.sh cli ARGS      run margin-sandbox ARGS (headless commands)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
py="${PYTHON:-python3}"

# Shared libraries as "file:Debian package". Offscreen Qt (the tests) needs the first list; a real
# window (xcb) also needs the second (../shared/reference/env.md §2: Qt wrongly blames
# xcb-cursor0 when any of them is missing).
QT_LIBS=("libGL.so.1:libgl1" "libEGL.so.1:libegl1" "libxkbcommon.so.0:libxkbcommon0"
         "libfontconfig.so.1:libfontconfig1" "libglib-2.0.so.0:libglib2.0-0" "libdbus-1.so.3:libdbus-1-3")
XCB_LIBS=("libxkbcommon-x11.so.0:libxkbcommon-x11-0" "libxcb-cursor.so.0:libxcb-cursor0"
          "libxcb-icccm.so.4:libxcb-icccm4" "libxcb-image.so.0:libxcb-image0"
          "libxcb-keysyms.so.1:libxcb-keysyms1" "libxcb-render-util.so.0:libxcb-render-util0"
          "libxcb-shape.so.0:libxcb-shape0" "libxcb-xkb.so.1:libxcb-xkb1")

install_missing() {
  # install_missing WHAT PAIR...: apt-get installs the packages whose file is missing. Nothing
  # happens when all are there (any user); without root or sudo it says what to install and goes
  # on (Qt then names what it lacks), so a machine that has them never fails here.
  local what="$1"; shift
  local missing=() pair file
  for pair in "$@"; do
    file="${pair%%:*}"
    if [[ "$file" == /* ]]; then [ -e "$file" ] && continue
    else ldconfig -p 2>/dev/null | grep -q "$file" && continue; fi
    missing+=("${pair##*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"
    else echo "$what needs: ${missing[*]} (install them with your package manager)" >&2; return 0; fi
  fi
  if ! command -v apt-get >/dev/null; then
    echo "$what needs: ${missing[*]} (install them with your package manager)" >&2; return 0
  fi
  echo "installing Debian packages $what needs: ${missing[*]}" >&2
  $sudo apt-get update -qq >&2 || true
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || echo "could not install ${missing[*]}; $what may not start" >&2
}

ensure_env() {
  install_missing "Qt" "${QT_LIBS[@]}"
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  local stamp="$venv/.installed" want
  want="$(sha256sum pyproject.toml | cut -c1-64)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --upgrade pip >&2
    "$venv/bin/python" -m pip install -q -e ".[test]" >&2
    echo "$want" > "$stamp"
  fi
}

xtest() {
  # The window's tests on a real X server: Xvfb on a free display, the xcb platform, Qt warnings
  # still failing tests (pytest's qt_log_level_fail). Xvfb is ended whatever happens.
  install_missing "a real X window" "/usr/bin/Xvfb:xvfb" "/usr/bin/xauth:xauth" "${XCB_LIBS[@]}"
  local tmp; tmp="$(mktemp -d)"
  Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp 3>"$tmp/display" </dev/null >/dev/null 2>"$tmp/xvfb.log" &
  local xvfb=$!
  # shellcheck disable=SC2064  # the values now: the trap runs after this function has returned
  trap "kill $xvfb 2>/dev/null || true; rm -rf '$tmp'" EXIT
  local i
  for i in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
  [ -s "$tmp/display" ] || { echo "Xvfb did not start: $(cat "$tmp/xvfb.log")" >&2; return 1; }
  echo "== the window's tests on the xcb platform (Xvfb :$(cat "$tmp/display"))" >&2
  DISPLAY=":$(cat "$tmp/display")" XAUTHORITY=/dev/null QT_QPA_PLATFORM=xcb \
    "$venv/bin/python" -m pytest -q tests/test_ui_*.py "$@"
}

wheel() {
  # What `pip install margin-sandbox` gives a user: a wheel (not editable) in a fresh venv, run
  # from outside the checkout, so only what the wheel ships is there (profiles, styles, sessions).
  local tmp; tmp="$(mktemp -d)"
  # shellcheck disable=SC2064  # the value now: the trap runs after this function has returned
  trap "rm -rf '$tmp'" EXIT
  "$venv/bin/python" -m pip wheel -q --no-deps -w "$tmp/dist" . >&2
  "$py" -m venv "$tmp/venv"
  "$tmp/venv/bin/python" -m pip install -q "$tmp/dist"/*.whl >&2
  local app="$tmp/venv/bin/margin-sandbox" session
  cd "$tmp"
  session="$("$tmp/venv/bin/python" -c \
    "from importlib.resources import files; print(files('sandbox').joinpath('resources', 'sessions', 'crash-cross.jsonl'))")"
  case "$session" in "$tmp"/venv/*) ;; *) echo "the wheel's sandbox is not the one imported: $session" >&2; return 1 ;; esac
  "$app" replay "$session" --json > replay.json
  "$app" replay "$session" --profile okx > /dev/null
  "$app" simulate -o sim.jsonl --seed 7 --duration 10m --scenario flash-crash
  QT_QPA_PLATFORM=offscreen "$app" shot "$session" -o shot.png --size 1366x768
  [ -s replay.json ] && [ -s sim.jsonl ] && [ -s shot.png ]
  echo "wheel: installed in a fresh venv; replay, simulate and shot ran from it" >&2
}

cmd="${1:-app}"; shift || true
ensure_env
case "$cmd" in
  app)   [ -n "${DISPLAY:-}" ] && install_missing "Qt's window (xcb)" "${XCB_LIBS[@]}"
         exec "$venv/bin/margin-sandbox" "$@" ;;
  cli)   exec "$venv/bin/margin-sandbox" "$@" ;;
  test)  exec "$venv/bin/python" -m pytest -q "$@" ;;
  xtest) xtest "$@" ;;
  wheel) wheel ;;
  lint)  "$venv/bin/ruff" format --check sandbox tests bench
         "$venv/bin/ruff" check sandbox tests bench
         "$venv/bin/mypy"
         "$venv/bin/lint-imports" ;;
  bench) for b in bench/bench_*.py; do echo "== $b"; "$venv/bin/python" "$b"; done ;;
  *) echo "usage: bash tools/dev.sh app|test|xtest|wheel|lint|bench|cli [ARGS]" >&2; exit 2 ;;
esac
