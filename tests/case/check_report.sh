#!/usr/bin/env bash
# Opens a case report in headless Chromium (Debian's `chromium`) and checks that
#   1. the page logs nothing to the console (the report has no script and a Content-Security-
#      Policy that forbids loading anything, so any console line is an error: a script error, a
#      blocked fetch), and
#   2. the screenshot shows the plots: enough pixels of each type's bar colour and of the
#      device × identifier matrix's shade for one occurrence (host/case/report.cpp).
# Both checks are first run on pages made to fail them, so that the checks themselves are known
# to work with this Chromium.
#   check_report.sh REPORT.html SCREENSHOT.png      exit 0 pass, 1 fail, 77 skip (no chromium)
set -euo pipefail
report=$1
shot=$2
here=$(cd "$(dirname "$0")" && pwd)
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
  echo "SKIP: chromium is not installed (scripts/setup.sh installs it)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# render PAGE PNG LOG: a 1400x2000 screenshot, Chromium's log (console messages included) in LOG.
render() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" --window-size=1400,2000 --screenshot="$2" \
    --enable-logging=stderr --v=0 "file://$(realpath "$1")" >"$3" 2>&1 || true
  [[ -s "$2" ]] || { echo "FAIL: chromium wrote no screenshot of $1:"; tail -20 "$3"; exit 1; }
}
console_lines() { grep -E ':CONSOLE|Uncaught|Refused to' "$1" || true; }

# Plots: the bar colours of phone, email, URL, ad id, and the matrix's one-occurrence shade.
colours=('#1f77b4:2000' '#ff7f0e:2000' '#2ca02c:2000' '#d62728:2000' '#9e9ac8:1000')

# Controls: a page with a script error and a fetch its policy blocks must be caught; a page
# without the plots must fail the pixel check.
cat >"$work/bad.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>control</title></head><body><p>no plots here</p><img src="https://example.invalid/x.png"><script>undefined_function()</script></body></html>
HTML
render "$work/bad.html" "$work/bad.png" "$work/bad.log"
if [[ -z "$(console_lines "$work/bad.log")" ]]; then
  echo "FAIL: the console check did not see the control page's errors; chromium's log:"; tail -20 "$work/bad.log"; exit 1
fi
if python3 "$here/png_colours.py" "$work/bad.png" "${colours[@]}" >/dev/null; then
  echo "FAIL: the pixel check passed a page without plots"; exit 1
fi

render "$report" "$shot" "$work/report.log"
errors=$(console_lines "$work/report.log")
if [[ -n "$errors" ]]; then
  echo "FAIL: console messages while showing $report:"; echo "$errors"; exit 1
fi
if ! python3 "$here/png_colours.py" "$shot" "${colours[@]}"; then
  echo "FAIL: the screenshot $shot does not show the plots"; exit 1
fi
echo "PASS: $report renders without console messages; the screenshot shows the plots"
