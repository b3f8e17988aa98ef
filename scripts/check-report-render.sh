#!/usr/bin/env bash
# Renders an HTML report with headless Chromium and fails on an empty or broken render.
#
#   scripts/check-report-render.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
#   scripts/check-report-render.sh              (CI: builds dmfsweep, runs sweeps/quickstart.yaml inline
#                                                into a temporary store, makes its report, checks that)
#
# Installs Debian `chromium` when missing (idempotent, quiet). The PNG (default: REPORT.png next to
# the report) is decoded with Python's standard library only; the check fails when it is missing,
# tiny, nearly uniform (a blank page), or has almost no dark "ink" pixels (no text or axes drawn).
set -euo pipefail
# Arguments are relative to the caller's directory; the no-argument mode works in the repository.
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
[ $# -ge 1 ] && set -- "$(abspath "$1")" "${@:2}"
[ $# -ge 2 ] && set -- "$1" "$(abspath "$2")" "${@:3}"
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    swift build --product dmfsweep -q
    bin=$(swift build --show-bin-path)/dmfsweep
    "$bin" run sweeps/quickstart.yaml --inline --store "$work/store.sqlite" >/dev/null
    "$bin" report --store "$work/store.sqlite" --out "$work/report.html"
    set -- "$work/report.html"
fi
html=${1:?usage: check-report-render.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]}
png=${2:-${html%.*}.png}
size=${3:-1280x2400}
[ -f "$html" ] || { echo "check-report-render: no such file: $html" >&2; exit 2; }

if ! command -v chromium >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "check-report-render: installing chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

rm -f "$png"
abs_html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
profile=$(mktemp -d)
trap 'rm -rf "$profile" ${work:+"$work"}' EXIT
# A throwaway profile keeps runs independent; --virtual-time-budget lets layout settle.
timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --virtual-time-budget=2000 \
    --window-size="${size/x/,}" --screenshot="$png" "file://$abs_html" >/dev/null 2>&1 || true

python3 - "$png" <<'PY'
import struct, sys, zlib

path = sys.argv[1]
try:
    data = open(path, "rb").read()
except OSError:
    sys.exit(f"check-report-render: FAIL: no screenshot written at {path}")
if len(data) < 10_000 or data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"check-report-render: FAIL: {path} is not a plausible PNG ({len(data)} bytes)")

pos, idat, header = 8, b"", None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
width, height, depth, color, _, _, interlace = header
if depth != 8 or color not in (2, 6) or interlace:
    sys.exit(f"check-report-render: FAIL: unexpected PNG format depth={depth} color={color}")
bpp = 3 if color == 2 else 4
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
rows = []
i = 0
for _ in range(height):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line

# Luminance statistics over a sample grid (every 2nd pixel each way keeps this fast).
n = s = ss = dark = 0
colors = set()
for y in range(0, height, 2):
    row = rows[y]
    for x in range(0, width, 2):
        r, g, b = row[x * bpp], row[x * bpp + 1], row[x * bpp + 2]
        lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
        n += 1; s += lum; ss += lum * lum
        dark += lum < 100
        if len(colors) < 5000: colors.add((r >> 3, g >> 3, b >> 3))
mean = s / n
std = (ss / n - mean * mean) ** 0.5
ink = dark / n
print(f"check-report-render: {path}: {width}x{height}, luminance mean {mean:.1f} std {std:.1f}, "
      f"dark pixels {100 * ink:.2f}%, distinct colours {len(colors)}{'+' if len(colors) >= 5000 else ''}")
if std < 8 or ink < 0.002 or len(colors) < 20:
    sys.exit("check-report-render: FAIL: the render is (nearly) blank or uniform")
print("check-report-render: ok")
PY
