#!/bin/sh
# stay-after-success COMMAND [ARG…]: runs COMMAND; if it exits 0, stays alive (idle) instead of
# exiting, so a Kubernetes pod whose work is finished is not restarted over and over (a Deployment
# or StatefulSet restarts every container that exits). Any other exit status is passed on, so a
# crash restarts the pod and the command resumes. SIGTERM/SIGINT are forwarded to COMMAND while it
# runs (pod deletion → the coordinator stops gracefully); once idle, they end this script.
[ $# -ge 1 ] || { echo "usage: stay-after-success COMMAND [ARG...]" >&2; exit 2; }
"$@" &
child=$!
forward() { signalled=1; kill -"$1" "$child" 2>/dev/null; }
trap 'forward TERM' TERM
trap 'forward INT' INT
# `wait` returns early (status > 128) when a trapped signal arrives: then wait again for the
# child's own status.
while :; do
    signalled=0
    wait "$child"
    status=$?
    [ "$signalled" = 1 ] || break
done
if [ "$status" -ne 0 ]; then exit "$status"; fi
echo "stay-after-success: '$*' finished; idle (delete or scale down the pod to end it)" >&2
sleeper=""
trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM INT
while :; do
    sleep 3600 &
    sleeper=$!
    wait "$sleeper"
done
