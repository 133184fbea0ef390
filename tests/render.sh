#!/bin/sh
# Renders each FILE (an .svg or .html) in headless Chromium to a PNG
# screenshot and checks that the screenshot is not blank
# (tests/png_nonblank.py). Exit status 0 when every file renders.
#
#   sh tests/render.sh [-o DIR] FILE...
#
# -o DIR keeps the screenshots in DIR (FILE's name with .png); otherwise
# they go to a temporary directory that is removed. CHROMIUM overrides the
# browser (default /usr/bin/chromium; .ci/install-deps installs it).
set -u

here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
keep=""
if [ "${1:-}" = "-o" ]; then
	keep=$2
	shift 2
fi
if [ $# -eq 0 ]; then
	echo "usage: sh tests/render.sh [-o DIR] FILE..." >&2
	exit 2
fi
if [ ! -x "$chromium" ]; then
	echo "render: $chromium is missing: run 'make test', or apt-get install chromium" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for file in "$@"; do
	case $file in
	/*) path=$file ;;
	*) path=$(pwd)/$file ;;
	esac
	name=$(basename "$file")
	shot=$work/${name%.*}.png
	profile=$(mktemp -d "$work/profile.XXXXXX")
	# A fresh profile, no network, no GPU; root needs --no-sandbox. The
	# timeout bounds a browser that hangs.
	timeout 60 "$chromium" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$profile" --screenshot="$shot" \
		--window-size=1200,900 "file://$path" >"$work/chromium.log" 2>&1
	if [ ! -s "$shot" ]; then
		echo "render: $file: no screenshot; chromium said:" >&2
		tail -n 5 "$work/chromium.log" >&2
		status=1
		continue
	fi
	if ! python3 "$here/png_nonblank.py" "$shot"; then
		echo "render: $file: the screenshot is blank" >&2
		status=1
	fi
	if [ -n "$keep" ]; then
		mkdir -p "$keep" && cp "$shot" "$keep/"
	fi
done
exit $status
