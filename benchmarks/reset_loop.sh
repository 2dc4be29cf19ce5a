#!/usr/bin/env bash
# The app as a new user gets it, driven by keys alone: a fresh clone of this repository,
# the README's launch command, then Reset (Ctrl+R) and Train (Space) every 8.5 seconds for
# MINUTES. Prints RSS once a minute (with a screenshot in OUT), and whether the app is alive.
#
#   xvfb-run -s '-screen 0 1600x1000x24' bash benchmarks/reset_loop.sh [MINUTES] [OUT]
#
# Needs xdotool and imagemagick (`import`). Under Xvfb there is no window manager, so the
# window is given the keyboard focus by hand, as a click would.
set -u
MINUTES=${1:-15}
OUT=${2:-$(mktemp -d)}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
git clone -q "$REPO" "$WORK/clone" && mkdir -p "$WORK/home" "$OUT"
cd "$WORK/clone" || exit 1
export HOME="$WORK/home"  # no settings from an earlier session

python3 -m venv .venv && . .venv/bin/activate
pip install -q torch==2.13.0 && pip install -q -e . && (tinyformer-explorer >"$OUT/app.log" 2>&1 &)
sleep 3
pid=$(pgrep -f "$WORK/clone/.venv/bin/tinyformer-explorer" | head -1)
wid=$(xdotool search --sync --onlyvisible --name "tinyformer" | head -1)
sleep 3
xdotool windowfocus --sync "$wid"
xdotool mousemove --window "$wid" 553 886 click 1  # the Loss tab's hint line: harmless

start=$SECONDS
end=$((SECONDS + MINUTES * 60))
n=0
next_log=0
while [ $SECONDS -lt $end ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "DIED after $((SECONDS - start)) s, $n rounds"
    cat "$OUT/app.log"
    exit 1
  fi
  [ "$(xdotool getwindowfocus)" = "$wid" ] || echo "focus moved to $(xdotool getwindowfocus getwindowname)"
  xdotool key --clearmodifiers ctrl+r
  sleep 0.5
  xdotool key space
  sleep 8
  n=$((n + 1))
  if [ $SECONDS -ge $next_log ]; then
    t=$((SECONDS - start))
    echo "t=${t}s rounds=$n $(grep VmRSS /proc/"$pid"/status | tr -s ' \t' ' ')"
    import -window root "$OUT/t$t.png"
    next_log=$((SECONDS + 60))
  fi
done
if kill -0 "$pid" 2>/dev/null; then
  echo "ALIVE after $((SECONDS - start)) s, $n rounds, $(grep VmRSS /proc/"$pid"/status | tr -s ' \t' ' ')"
else
  echo "DIED at the end"
  exit 1
fi
kill "$pid"
echo "screenshots in $OUT"
