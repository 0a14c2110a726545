#!/bin/sh
# What the documents need from the system, which pip cannot install:
# - Noto Sans CJK SC (SIL OFL, Debian's fonts-noto-cjk): Chinese on the print maps and in the PDFs;
# - Pango (libpango-1.0-0, libpangoft2-1.0-0): the text layout WeasyPrint prints the PDFs with.
# `make setup` runs this: it installs what is missing when this is a Debian machine where we
# may (root), and otherwise says what to install. It never fails the setup: only the print
# maps and PDFs need these, and they refuse to draw without them, saying why.
missing=""
fc-list 2>/dev/null | grep -q "Noto Sans CJK SC" || missing="$missing fonts-noto-cjk"
if ! { ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; }; then
    missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing$missing (Chinese print maps and PDF documents)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null &&
        exit 0
fi
echo "warning: missing$missing; the print maps and PDF documents need them: install them (Debian/Ubuntu)," \
     "google-noto-sans-cjk-fonts and pango (Fedora), or on Windows/macOS the Noto Sans CJK SC font" \
     "and Pango (https://doc.courtbouillon.org/weasyprint/stable/first_steps.html)" >&2
