#!/bin/sh
# Installs the Debian packages mmsim builds against, when they are missing:
# cmake, a C compiler and GNU readline (line editing in `mmsim shell`).
set -e
missing=""
[ -f /usr/include/readline/readline.h ] || missing="$missing libreadline-dev"
command -v cmake >/dev/null 2>&1 || missing="$missing cmake"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
