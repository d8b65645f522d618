#!/bin/sh
# Start the container's command; with POWERMAP_DEMO=1 load the bundled demo data first
# (an import is an upsert: loading it again at every start changes nothing).
set -eu
if [ "${POWERMAP_DEMO:-0}" = "1" ]; then
    powermap demo --no-serve
fi
exec "$@"
