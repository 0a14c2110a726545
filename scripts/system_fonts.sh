#!/bin/sh
# The print maps label in Chinese with Noto Sans CJK SC (SIL OFL, Debian's fonts-noto-cjk).
# `make setup` runs this: it installs the font when it is missing and this is a Debian machine
# where we may (root), and otherwise says what to install. It never fails the setup: only the
# static maps need the font, and they refuse to draw without it, saying why.
if fc-list 2>/dev/null | grep -q "Noto Sans CJK SC"; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing fonts-noto-cjk (Chinese labels on the print maps)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null &&
        exit 0
fi
echo "warning: no Noto Sans CJK SC font; the print maps need it: install fonts-noto-cjk (Debian/Ubuntu)," \
     "google-noto-sans-cjk-fonts (Fedora) or Noto Sans CJK SC from https://github.com/notofonts/noto-cjk" >&2
