#!/usr/bin/env bash
# Slurm integration test: a real single-node Slurm on this machine runs deploy/slurm/dmfsweep.sbatch.
#
#   scripts/test-slurm.sh [--release]
#   DMFSWEEP_TEST_BINARY=path/to/dmfsweep scripts/test-slurm.sh      (test a built binary, no build)
#   DMFSWEEP_TEST_KEEP=1 …   keep the work directory (job logs, stores) for a look afterwards
#
# Brings up a private cluster (deploy/slurm/local-cluster.sh, its own directory and ports), builds
# dmfsweep (debug unless --release), then, each through `sbatch`:
#   1. a small sweep (deploy/slurm/test-sweep.yaml, 24 tasks) completes: job COMPLETED with exit 0,
#      24 tasks done, one result each, store integrity ok, `dmfsweep query --raw` shows 24 rows;
#   2. with two worker processes, one is killed with SIGKILL mid-sweep: the sweep still completes;
#   3. the time-limit warning (SIGTERM to the batch shell, as --signal=B:TERM sends it) stops the
#      coordinator, the job requeues itself and the requeued run finishes the rest;
#   4. the whole worker step is cancelled (`scancel JOB.STEP`): the script starts a new worker step
#      and the sweep completes.
# The cluster is always taken down (trap). Needs root (the Slurm daemons). Prints 'N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
CONFIG=debug
[ "${1:-}" = "--release" ] && CONFIG=release
EXPECTED=24 # 3 depths × 2 alphas × 4 seeds in deploy/slurm/test-sweep.yaml
# Tests that interrupt a sweep stretch every task by this much (the workers' test-only fault
# injection, docs/protocol.md), so "mid-sweep" does not depend on how fast this machine is.
SLOW=DMFSWEEP_FAULT_TASK_SLEEP_MS=${DMFSWEEP_TEST_TASK_SLEEP_MS:-150}
SWEEP=$ROOT/deploy/slurm/test-sweep.yaml
SBATCH=$ROOT/deploy/slurm/dmfsweep.sbatch
JOB_TIMEOUT=${DMFSWEEP_TEST_JOB_TIMEOUT:-60}

export DMFSWEEP_SLURM_DIR=${DMFSWEEP_SLURM_DIR:-/tmp/dmfsweep-slurm-test.$$}
WORK=$(mktemp -d /tmp/dmfsweep-slurm-work.XXXXXX)
passed=0
failed=0
t_start=$SECONDS

say() { echo "test-slurm: $*"; }
pass() { passed=$((passed + 1)); say "PASS $1 ($((SECONDS - t_test)) s)"; }
fail() { failed=$((failed + 1)); say "FAIL $1: $2"; }

cleanup() {
    local status=$?
    if [ -n "${SLURM_CONF:-}" ]; then scancel --quiet --user=root 2>/dev/null; fi
    deploy/slurm/local-cluster.sh down >/dev/null 2>&1
    if [ -n "${DMFSWEEP_TEST_KEEP:-}" ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free TCP port pair for slurmctld/slurmd, so a cluster someone already runs is left alone.
free_port() {
    local p
    for p in $(shuf -i 20000-29998 -n 50); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# --- build and cluster --------------------------------------------------------------------------
bash scripts/install-deps.sh || { say "install-deps failed"; exit 1; }
t0=$SECONDS
export DMFSWEEP
if [ -n "${DMFSWEEP_TEST_BINARY:-}" ]; then
    DMFSWEEP=$(realpath "$DMFSWEEP_TEST_BINARY")
    CONFIG="given"
else
    swift build -c "$CONFIG" --product dmfsweep -q || { say "build failed"; exit 1; }
    DMFSWEEP=$(swift build -c "$CONFIG" --show-bin-path)/dmfsweep
fi
say "built $DMFSWEEP ($CONFIG) in $((SECONDS - t0)) s"
for command in coordinator worker keys status query; do
    "$DMFSWEEP" "$command" --help >/dev/null 2>&1 \
        || { say "dmfsweep has no '$command' command yet; nothing to test"; exit 1; }
done

t0=$SECONDS
DMFSWEEP_SLURM_PORT=$(free_port) || { say "no free port"; exit 1; }
export DMFSWEEP_SLURM_PORT
up=$(deploy/slurm/local-cluster.sh up) || { say "cluster did not come up"; exit 1; }
eval "$up"
say "cluster up in $((SECONDS - t0)) s ($SLURM_CONF)"

# --- helpers --------------------------------------------------------------------------------------
sql() { sqlite3 -cmd ".timeout 5000" "$1" "$2" 2>/dev/null; }
# (never opens a store that does not exist yet: the sqlite3 shell would create it)
done_count() { [ -s "$1" ] && sql "$1" "SELECT count(*) FROM tasks WHERE status = 'done'" || echo 0; }
job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }

# Waits until the job has left the queue (or the timeout passes); returns 1 on timeout.
wait_job() {
    local job=$1 deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    return 1
}

# Waits until the store has at least one done task and the condition command succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    while ((SECONDS < deadline)); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}
some_done() { local d; d=$(done_count "$1"); [ "${d:-0}" -ge 1 ]; }

# Submits the test sweep from the work directory; prints the job id. Extra env as NAME=VALUE args.
submit() {
    local name=$1
    shift
    (cd "$WORK" && env "$@" sbatch --parsable --job-name="$name" --output="$WORK/$name-%j.out" \
        "$SBATCH" "$SWEEP" "$WORK/$name.sqlite")
}

# Checks the finished job and its store; prints why not on failure.
check_finished() {
    local job=$1 store=$2 state exit_code done_tasks results rows integrity orphans
    state=$(job_field "$job" JobState)
    exit_code=$(job_field "$job" ExitCode)
    { [ "$state" = COMPLETED ] && [ "$exit_code" = 0:0 ]; } \
        || { echo "job $job is $state with exit code $exit_code"; return 1; }
    done_tasks=$(done_count "$store")
    results=$(sql "$store" "SELECT count(*) FROM results")
    orphans=$(sql "$store" "SELECT count(*) FROM tasks t LEFT JOIN results r ON r.task_id = t.id
                            WHERE t.status = 'done' AND r.task_id IS NULL")
    integrity=$(sql "$store" "PRAGMA integrity_check")
    { [ "$done_tasks" = "$EXPECTED" ] && [ "$results" = "$EXPECTED" ] && [ "$orphans" = 0 ] \
        && [ "$integrity" = ok ]; } \
        || { echo "store: $done_tasks done, $results results, $orphans done without result, integrity '$integrity'"; return 1; }
    rows=$("$DMFSWEEP" query --store "$store" --raw --format csv | tail -n +2 | grep -c .)
    [ "$rows" = "$EXPECTED" ] || { echo "query --raw printed $rows rows, expected $EXPECTED"; return 1; }
    "$DMFSWEEP" status --store "$store" >/dev/null || { echo "dmfsweep status failed"; return 1; }
}

# A number from `dmfsweep status --format json` (the coordinator's last published live state).
live_number() { "$DMFSWEEP" status --store "$1" --format json | sed -n "s/.*\"$2\" : \([0-9]*\).*/\1/p" | head -1; }

# The computed numbers of every task, by key, for comparing two stores.
outcomes() {
    sql "$1" "SELECT t.key, r.status, r.steps, printf('%.12e', r.final_loss), printf('%.12e', r.final_erank)
              FROM tasks t JOIN results r ON r.task_id = t.id ORDER BY t.key"
}

show_log() { sed 's/^/    | /' "$WORK/$1"-*.out 2>/dev/null | tail -30; }

# --- 1. a sweep through sbatch completes ------------------------------------------------------------
t_test=$SECONDS
name=complete
job=$(submit $name) || { fail $name "sbatch failed"; job=""; }
if [ -n "$job" ]; then
    if ! wait_job "$job" "$JOB_TIMEOUT"; then
        fail $name "job $job still queued after ${JOB_TIMEOUT}s"; show_log $name
    elif why=$(check_finished "$job" "$WORK/$name.sqlite"); then
        # The same sweep run locally must give the same numbers, task by task.
        "$DMFSWEEP" run "$SWEEP" --store "$WORK/local.sqlite" --workers 2 >/dev/null 2>&1
        if ! grep -q "curve=1" "$WORK"/$name-*.out || [ ! -s "$WORK/dmfsweep-keys/authorized/worker.pub" ]; then
            fail $name "CURVE was not on by default"; show_log $name
        elif [ "$(outcomes "$WORK/$name.sqlite")" != "$(outcomes "$WORK/local.sqlite")" ] \
            || [ "$(outcomes "$WORK/local.sqlite" | wc -l)" != "$EXPECTED" ]; then
            fail $name "results differ from 'dmfsweep run' on the same sweep"
        else
            pass "$name: $EXPECTED tasks through sbatch with CURVE, equal to 'dmfsweep run'"
        fi
    else
        fail $name "$why"; show_log $name
    fi
fi

# --- 2. one of two worker processes killed with SIGKILL mid-sweep -----------------------------------
t_test=$SECONDS
name=kill-worker
store=$WORK/$name.sqlite
job=$(submit $name DMFSWEEP_WORKERS_PER_NODE=2 "$SLOW") || { fail $name "sbatch failed"; job=""; }
if [ -n "$job" ]; then
    port=$((10000 + job % 20000))
    # The worker processes themselves, not the srun that started them (its command line has them too).
    workers() { pgrep -f -- "^[^ ]*dmfsweep worker --connect tcp://[^ ]*:$port( |$)"; }
    two_workers_and_progress() { [ "$(workers | wc -l)" -ge 2 ] && some_done "$store"; }
    if ! wait_for 30 two_workers_and_progress; then
        fail $name "never saw two workers and a done task"; show_log $name
    else
        victim=$(workers | head -1)
        at_kill=$(done_count "$store")
        kill -KILL "$victim"
        if ! wait_job "$job" "$JOB_TIMEOUT"; then
            fail $name "job $job still queued after ${JOB_TIMEOUT}s"; show_log $name
        elif [ "$at_kill" -ge "$EXPECTED" ]; then
            fail $name "the sweep was already done when the worker was killed (tasks too short)"
        elif why=$(check_finished "$job" "$store"); then
            deaths=$(live_number "$store" deaths)
            requeues=$(live_number "$store" requeues)
            if grep -q "worker step ended" "$WORK"/$name-*.out; then
                fail $name "the worker step was restarted, but the surviving worker should have finished"
                show_log $name
            elif [ "${deaths:-0}" -ge 1 ] && [ "${requeues:-0}" -ge 1 ]; then
                pass "$name: worker $victim killed at $at_kill/$EXPECTED done; $deaths death, $requeues task(s) re-queued; completed"
            else
                fail $name "coordinator saw ${deaths:-?} worker deaths and ${requeues:-?} re-queued tasks, expected ≥ 1 each"
                show_log $name
            fi
        else
            fail $name "$why"; show_log $name
        fi
    fi
fi

# --- 3. time-limit warning: graceful stop, self-requeue, the requeued run finishes -----------------
t_test=$SECONDS
name=requeue
store=$WORK/$name.sqlite
job=$(submit $name "$SLOW") || { fail $name "sbatch failed"; job=""; }
if [ -n "$job" ]; then
    if ! wait_for 30 some_done "$store"; then
        fail $name "no task done within 30 s"; show_log $name
    else
        scancel --batch --signal=TERM "$job"
        at_signal=$(done_count "$store")
        if ! wait_job "$job" $((JOB_TIMEOUT + 30)); then
            fail $name "job $job still queued"; show_log $name
        elif [ "$(job_field "$job" Restarts)" != 1 ]; then
            fail $name "job restarted $(job_field "$job" Restarts) times, expected 1"; show_log $name
        elif [ "$at_signal" -ge "$EXPECTED" ]; then
            fail $name "the sweep was already done at the signal (tasks too short)"
        elif why=$(check_finished "$job" "$store"); then
            pass "$name: SIGTERM at $at_signal/$EXPECTED done, requeued once, completed"
        else
            fail $name "$why"; show_log $name
        fi
    fi
fi

# --- 4. the whole worker step cancelled: a new step is started -----------------------------------
t_test=$SECONDS
name=cancel-step
store=$WORK/$name.sqlite
job=$(submit $name "$SLOW") || { fail $name "sbatch failed"; job=""; }
if [ -n "$job" ]; then
    worker_step() { squeue -h -s -j "$job" -o '%i %j' 2>/dev/null | awk '$2 == "dmfsweep-worker" { print $1; exit }'; }
    step_and_progress() { [ -n "$(worker_step)" ] && some_done "$store"; }
    if ! wait_for 30 step_and_progress; then
        fail $name "never saw the worker step and a done task"; show_log $name
    else
        step=$(worker_step)
        at_cancel=$(done_count "$store")
        scancel "$step"
        if ! wait_job "$job" "$JOB_TIMEOUT"; then
            fail $name "job $job still queued"; show_log $name
        elif ! grep -q "worker step ended .* restart 1/" "$WORK"/$name-*.out; then
            fail $name "the worker step was not restarted"; show_log $name
        elif [ "$at_cancel" -ge "$EXPECTED" ]; then
            fail $name "the sweep was already done at the cancel (tasks too short)"
        elif why=$(check_finished "$job" "$store"); then
            pass "$name: step $step cancelled at $at_cancel/$EXPECTED done, restarted, completed"
        else
            fail $name "$why"; show_log $name
        fi
    fi
fi

say "total $((SECONDS - t_start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
