#!/usr/bin/env bash
# Slurm integration test: a real three-node Slurm on this machine (deploy/slurm/local-cluster.sh:
# one network namespace per node on a private bridge) runs deploy/slurm/dmfsweep.sbatch.
#
#   scripts/test-slurm.sh [--release]
#   DMFSWEEP_TEST_BINARY=path/to/dmfsweep scripts/test-slurm.sh      (test a built binary, no build)
#   DMFSWEEP_TEST_KEEP=1 …      keep the work directory (job logs, stores) for a look afterwards
#   DMFSWEEP_TEST_PG_URI=URI …  the PostgreSQL server for the live-query case; it must be reachable
#                               from the nodes' namespaces (their 127.0.0.1 is their own): e.g. a
#                               Unix-socket URI postgresql://postgres@/postgres?host=DIR&port=PORT.
#                               Unset: a throwaway server from scripts/pg-server.sh when
#                               `dmfsweep coordinator --help` mentions PostgreSQL stores and the
#                               server starts; else the case skips
#   DMFSWEEP_TEST_ONLY="scale worker_cut …"  run only these cases (names as in the list below, with _)
#   DMFSWEEP_TEST_PARTITION_S=S how long the coordinator's node is cut off (default 60,
#                               the issue's minute; shorter for a quick local run). The test bed's SlurmdTimeout is S + 10 s (at least
#                               30 s): a longer silence makes Slurm requeue the job
#
# Stage 1, in parallel (no node faults), each through `sbatch`:
#   complete      -N 3: coordinator on node1 bound to its bridge address, a worker on each node,
#                 CURVE; every node ran tasks (the store's worker names), results equal `dmfsweep run`
#   kill-worker   one of two worker processes SIGKILLed mid-sweep: its tasks re-queued, completed
#   requeue       the time-limit SIGTERM (scancel -b): graceful stop, self-requeue, completed
#   cancel-step   the worker step cancelled: the script starts a new one, completed
#   live-sqlite   `dmfsweep status` from the login node (root namespace) during a run
#   live-pg       the same with a PostgreSQL store: status and query work during the run
# Stage 2, node faults (jobs pinned to nodes so the faults of parallel cases do not meet):
#   worker-crash  (node1+node3) node3 powered off mid-sweep: its leases re-queued, completed
#   worker-cut    (node1+node2) node2 cut off longer than its lease, healed: re-dispatched while
#                 away, late results deduplicated, new work for node2 after the heal
#   then, node3 booted again:
#   coordinator-crash  (-N 1) the coordinator's node powered off: Slurm requeues the job, it
#                 completes on another node from the committed store, recomputing nothing committed
#   coordinator-cut    (node2 coordinator, node3 worker) node2 cut off from every worker for
#                 DMFSWEEP_TEST_PARTITION_S, healed: the worker did not give up, completed
# Stage 3 (alone): scale — one coordinator (no-op tasks) with 201 `--jobs 1` workers spread over
#   the three nodes over CURVE, no worker declared dead; the no-op rate across the bridge is
#   printed next to the same run over loopback.
# Every case has a time bound, cancels its jobs and kills its processes; every store is checked
# with the sqlite3 CLI: one result per key, nothing left running, attempts as the case expects,
# integrity_check ok. The cluster is always taken down (trap). Needs root. Prints 'N passed, N failed'.
# shellcheck disable=SC2030,SC2031,SC2317 # CASE is set per case subshell; the small predicates are called through wait_for
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
CONFIG=debug
[ "${1:-}" = "--release" ] && CONFIG=release
EXPECTED=24 # 3 depths × 2 alphas × 4 seeds in deploy/slurm/test-sweep.yaml
SWEEP=$ROOT/deploy/slurm/test-sweep.yaml
SBATCH=$ROOT/deploy/slurm/dmfsweep.sbatch
CLUSTER=$ROOT/deploy/slurm/local-cluster.sh
JOB_TIMEOUT=${DMFSWEEP_TEST_JOB_TIMEOUT:-90}
PARTITION_S=${DMFSWEEP_TEST_PARTITION_S:-60}
SCALE_WORKERS=${DMFSWEEP_TEST_SCALE_WORKERS:-201}
SCALE_TASKS=${DMFSWEEP_TEST_SCALE_TASKS:-20000}

export DMFSWEEP_SLURM_DIR=${DMFSWEEP_SLURM_DIR:-/tmp/dmfsweep-slurm-test.$$}
# Each node declares 8 CPUs so the parallel cases' jobs can share the three nodes; a silent node
# is DOWN after SlurmdTimeout (its batch jobs requeued): longer than the coordinator-cut partition.
export DMFSWEEP_SLURM_NODE_CPUS=8
export DMFSWEEP_SLURMD_TIMEOUT=$((PARTITION_S + 10 > 30 ? PARTITION_S + 10 : 30))
WORK=$(mktemp -d /tmp/dmfsweep-slurm-work.XXXXXX)
chmod 755 "$WORK"
t_start=$SECONDS

say() { echo "test-slurm: $*"; }

PG_DIR=""
cleanup() {
    local status=$?
    [ -n "${SLURM_CONF:-}" ] && scancel --quiet --user=root 2>/dev/null
    "$CLUSTER" down >/dev/null 2>&1
    [ -n "$PG_DIR" ] && bash scripts/pg-server.sh stop "$PG_DIR" >/dev/null 2>&1
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
bash scripts/install-deps.sh || {
    say "install-deps failed"
    exit 1
}
t0=$SECONDS
export DMFSWEEP
if [ -n "${DMFSWEEP_TEST_BINARY:-}" ]; then
    DMFSWEEP=$(realpath "$DMFSWEEP_TEST_BINARY")
    CONFIG="given"
else
    swift build -c "$CONFIG" --product dmfsweep -q || {
        say "build failed"
        exit 1
    }
    DMFSWEEP=$(swift build -c "$CONFIG" --show-bin-path)/dmfsweep
fi
say "built $DMFSWEEP ($CONFIG) in $((SECONDS - t0)) s"
for command in coordinator worker keys status query; do
    "$DMFSWEEP" "$command" --help >/dev/null 2>&1 \
        || {
            say "dmfsweep has no '$command' command yet; nothing to test"
            exit 1
        }
done

t0=$SECONDS
DMFSWEEP_SLURM_PORT=$(free_port) || {
    say "no free port"
    exit 1
}
export DMFSWEEP_SLURM_PORT
up=$("$CLUSTER" up --nodes 3) || {
    say "cluster did not come up"
    exit 1
}
eval "$up"
t_cluster=$SECONDS
say "3-node cluster up in $((SECONDS - t0)) s ($SLURM_CONF)"
# A PostgreSQL server for live-pg, reached by the nodes through its Unix socket on the shared
# filesystem (the server listens on the login node's 127.0.0.1, which no node can reach).
if [ -z "${DMFSWEEP_TEST_PG_URI:-}" ] && [ -e scripts/pg-server.sh ] \
    && "$DMFSWEEP" coordinator --help 2>&1 | grep -ci postgres >/dev/null; then
    if PG_DIR=$(bash scripts/pg-server.sh start --owner $$); then
        DMFSWEEP_TEST_PG_URI="postgresql://postgres@/postgres?host=$PG_DIR&port=$(cat "$PG_DIR/port")"
        say "PostgreSQL server for live-pg: $DMFSWEEP_TEST_PG_URI"
    else
        PG_DIR=""
    fi
fi
# One key directory for every job (as one user's dmfsweep-keys on a shared filesystem).
export DMFSWEEP_KEYS=$WORK/dmfsweep-keys
# Made here as the script makes them (it finds them and keeps them), so every case can run alone.
{ "$DMFSWEEP" keys generate --keys "$DMFSWEEP_KEYS" --name coordinator >/dev/null \
    && "$DMFSWEEP" keys generate --keys "$DMFSWEEP_KEYS" --name worker --authorize >/dev/null; } || {
    say "could not generate CURVE keys"
    exit 1
}

# --- helpers ----------------------------------------------------------------------------------------
sql() { sqlite3 -cmd ".timeout 5000" "$1" "$2" 2>/dev/null; }
# (never opens a store that does not exist yet: the sqlite3 shell would create it)
count_where() { if [ -s "$1" ]; then sql "$1" "SELECT count(*) FROM tasks WHERE $2"; else echo 0; fi; }
done_count() { count_where "$1" "status = 'done'"; }
job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Waits until the job has left the queue (or the timeout passes); returns 1 on timeout.
wait_job() {
    local job=$1 deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    return 1
}

# Waits until the condition command succeeds (or the timeout passes).
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    while ((SECONDS < deadline)); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}
at_least_done() {
    local d
    d=$(done_count "$1")
    [ "${d:-0}" -ge "$2" ]
}
# The coordinator's live state (published every 2 s), read on the coordinator's node as
# docs/cluster.md says: the sum of FIELD (leased|running|completed) over the workers on HOST.
#   live_on COORDINATOR-NODE STORE HOST FIELD
live_on() {
    "$CLUSTER" exec "$1" "$DMFSWEEP" status --store "$2" --format json 2>/dev/null | python3 -c '
import json, sys
host, field = sys.argv[1], sys.argv[2]
print(sum(w.get(field, 0) for sweep in json.load(sys.stdin)
          for w in (sweep.get("coordinator") or {}).get("workers", []) if w.get("host") == host))' "$3" "$4" \
        2>/dev/null || echo 0
}
# Waits for a line matching the regular expression in the case's job output.
job_log_has() { grep -q -- "$1" "$WORK/$CASE"-*.out 2>/dev/null; }

# Submits the test sweep (or $CASE_SWEEP) from the work directory; prints the job id.
#   submit NAME "SBATCH OPTIONS" [ENV=VALUE…]
# Every job shares its nodes (--oversubscribe overrides the script's --exclusive) with 2 CPUs a node.
submit() {
    local name=$1 options
    read -r -a options <<<"$2"
    shift 2
    (cd "$WORK" && env DMFSWEEP_JOBS=2 "$@" sbatch --parsable --job-name="$name" --output="$WORK/$name-%j.out" \
        --oversubscribe --cpus-per-task=2 "${options[@]}" "$SBATCH" "${CASE_SWEEP:-$SWEEP}" "${CASE_STORE:-$WORK/$name.sqlite}")
}

# Checks the finished job and its store: COMPLETED 0:0, every task done exactly once with one
# result, nothing running, integrity ok, `query --raw` prints every row. Prints why not.
check_finished() {
    local job=$1 store=$2 state exit_code ndone results keys running rows integrity orphans odd_attempts
    state=$(job_field "$job" JobState)
    exit_code=$(job_field "$job" ExitCode)
    if [ "$state" != COMPLETED ] || [ "$exit_code" != 0:0 ]; then
        echo "job $job is $state with exit code $exit_code"
        return 1
    fi
    ndone=$(done_count "$store")
    results=$(sql "$store" "SELECT count(*) FROM results")
    keys=$(sql "$store" "SELECT count(DISTINCT t.key) FROM tasks t JOIN results r ON r.task_id = t.id")
    running=$(count_where "$store" "status = 'running'")
    orphans=$(sql "$store" "SELECT count(*) FROM tasks t LEFT JOIN results r ON r.task_id = t.id
                            WHERE t.status = 'done' AND r.task_id IS NULL")
    integrity=$(sql "$store" "PRAGMA integrity_check")
    # Attempts: every task started at least once, none more than --max-attempts (3).
    odd_attempts=$(count_where "$store" "attempts < 1 OR attempts > 3")
    if [ "$ndone" != "$EXPECTED" ] || [ "$results" != "$EXPECTED" ] || [ "$keys" != "$EXPECTED" ] \
        || [ "$running" != 0 ] || [ "$orphans" != 0 ] || [ "$integrity" != ok ] || [ "$odd_attempts" != 0 ]; then
        echo "store: $ndone done, $results results for $keys keys, $running running, $orphans done without result, $odd_attempts with attempts outside 1…3, integrity '$integrity'"
        return 1
    fi
    rows=$("$DMFSWEEP" query --store "$store" --raw --format csv | tail -n +2 | grep -c .)
    [ "$rows" = "$EXPECTED" ] || {
        echo "query --raw printed $rows rows, expected $EXPECTED"
        return 1
    }
    "$DMFSWEEP" status --store "$store" >/dev/null || {
        echo "dmfsweep status failed"
        return 1
    }
}
total_attempts() { sql "$1" "SELECT sum(attempts) FROM tasks"; }

# A number from `dmfsweep status --format json` (the coordinator's last published live state).
live_number() { "$DMFSWEEP" status --store "$1" --format json 2>/dev/null | sed -n "s/.*\"$2\" : \([0-9]*\).*/\1/p" | head -1; }

# The computed numbers of every task, by key, for comparing two stores.
outcomes() {
    sql "$1" "SELECT t.key, r.status, r.steps, printf('%.12e', r.final_loss), printf('%.12e', r.final_erank)
              FROM tasks t JOIN results r ON r.task_id = t.id ORDER BY t.key"
}

# Each case writes one line to $WORK/result.NAME: "PASS text", "FAIL text" or "SKIP text".
pass() { echo "PASS $*" >"$WORK/result.$CASE"; }
fail() {
    echo "FAIL $*" >"$WORK/result.$CASE"
    sed 's/^/    | /' "$WORK/$CASE"-*.out 2>/dev/null | tail -25 >>"$WORK/result.$CASE"
}
skip() { echo "SKIP $*" >"$WORK/result.$CASE"; }

# Runs the named cases (functions case_NAME) in parallel, each bounded by $1 seconds: a case
# still running then is killed, its jobs cancelled, and it fails.
run_cases() {
    local bound=$1 name pids=() names=() i deadline selected=()
    shift
    for name in "$@"; do
        [[ -z ${DMFSWEEP_TEST_ONLY:-} || " $DMFSWEEP_TEST_ONLY " == *" $name "* ]] && selected+=("$name")
    done
    ((${#selected[@]})) || return 0
    set -- "${selected[@]}"
    for name in "$@"; do
        (
            CASE=$name
            t_case=$SECONDS
            "case_$name" >"$WORK/case.$name.log" 2>&1
            [ -s "$WORK/result.$name" ] || fail "the case ended without a verdict"
            sed -i "1s/\$/ ($((SECONDS - t_case)) s)/" "$WORK/result.$name"
        ) &
        pids+=($!)
        names+=("$name")
    done
    deadline=$((SECONDS + bound))
    for i in "${!pids[@]}"; do
        while kill -0 "${pids[$i]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
        if kill -0 "${pids[$i]}" 2>/dev/null; then
            pkill -KILL -P "${pids[$i]}" 2>/dev/null
            kill -KILL "${pids[$i]}" 2>/dev/null
            scancel --quiet --name="${names[$i]}" 2>/dev/null
            CASE=${names[$i]} fail "still running after its bound of ${bound} s"
        fi
        wait "${pids[$i]}" 2>/dev/null
    done
    for name in "$@"; do
        say "$(head -1 "$WORK/result.$name") [$name]"
        tail -n +2 "$WORK/result.$name"
    done
}

# --- stage 1 -----------------------------------------------------------------------------------------
case_complete() {
    local job store=$WORK/$CASE.sqlite why hosts batch
    job=$(submit "$CASE" "-N 3" DMFSWEEP_COORDINATOR_ARGS="--wait-for-workers 3") || {
        fail "sbatch failed"
        return
    }
    "$DMFSWEEP" run "$SWEEP" --store "$WORK/local.sqlite" --workers 2 >/dev/null 2>&1
    wait_job "$job" "$JOB_TIMEOUT" || {
        fail "job $job still queued after ${JOB_TIMEOUT}s"
        return
    }
    why=$(check_finished "$job" "$store") || {
        fail "$why"
        return
    }
    batch=$(job_field "$job" BatchHost)
    # The worker's host: the store's host column where it has one, else the worker's name (HOST-PID).
    if sql "$store" "SELECT name FROM pragma_table_info('tasks')" | grep -cx host >/dev/null; then
        hosts=$(sql "$store" "SELECT DISTINCT host || '-' FROM tasks ORDER BY 1" | tr -d '\n')
    else
        hosts=$(sql "$store" "SELECT DISTINCT rtrim(worker, '0123456789') FROM tasks ORDER BY 1" | tr -d '\n')
    fi
    if [ "$batch" != node1 ] || ! grep -q "bound to ${DMFSWEEP_SLURM_SUBNET:-10.213.7}.11)" "$WORK/$CASE"-*.out; then
        fail "the coordinator ran on '$batch', not bound to node1's bridge address"
    elif ! grep -q "curve=1" "$WORK/$CASE"-*.out || [ ! -s "$DMFSWEEP_KEYS/authorized/worker.pub" ]; then
        fail "CURVE was not on by default"
    elif [ "$hosts" != "node1-node2-node3-" ]; then
        fail "the store's workers ran on '$hosts', expected node1, node2 and node3"
    elif [ "$(total_attempts "$store")" != "$EXPECTED" ]; then
        fail "$(total_attempts "$store") attempts for $EXPECTED tasks, expected one each"
    elif [ "$(outcomes "$store")" != "$(outcomes "$WORK/local.sqlite")" ] \
        || [ "$(outcomes "$WORK/local.sqlite" | wc -l)" != "$EXPECTED" ]; then
        fail "results differ from 'dmfsweep run' on the same sweep"
    else
        pass "$EXPECTED tasks, coordinator on node1, workers on node1-3 over CURVE, equal to 'dmfsweep run'"
    fi
}

# Tests that interrupt a sweep stretch every task (the workers' test-only fault injection,
# docs/protocol.md), so "mid-sweep" does not depend on how fast this machine is.
slow() { echo "DMFSWEEP_FAULT_TASK_SLEEP_MS=$1"; }

case_kill_worker() {
    local job store=$WORK/$CASE.sqlite port victim at_kill why deaths requeues
    job=$(submit "$CASE" "-N 1" DMFSWEEP_WORKERS_PER_NODE=2 DMFSWEEP_JOBS=1 "$(slow 400)") || {
        fail "sbatch failed"
        return
    }
    port=$((10000 + job % 20000))
    # The worker processes themselves, not the srun that started them (its command line has them too).
    workers() { pgrep -f -- "^[^ ]*dmfsweep worker --connect tcp://[^ ]*:$port( |$)"; }
    two_workers_and_progress() { [ "$(workers | wc -l)" -ge 2 ] && at_least_done "$store" 1; }
    wait_for 40 two_workers_and_progress || {
        fail "never saw two workers and a done task"
        return
    }
    victim=$(workers | head -1)
    at_kill=$(done_count "$store")
    kill -KILL "$victim"
    wait_job "$job" "$JOB_TIMEOUT" || {
        fail "job $job still queued after ${JOB_TIMEOUT}s"
        return
    }
    [ "$at_kill" -lt "$EXPECTED" ] || {
        fail "the sweep was already done when the worker was killed (tasks too short)"
        return
    }
    why=$(check_finished "$job" "$store") || {
        fail "$why"
        return
    }
    deaths=$(live_number "$store" deaths)
    requeues=$(live_number "$store" requeues)
    if grep -q "worker step ended" "$WORK/$CASE"-*.out; then
        fail "the worker step was restarted, but the surviving worker should have finished"
    elif [ "${deaths:-0}" -lt 1 ] || [ "${requeues:-0}" -lt 1 ]; then
        fail "coordinator saw ${deaths:-?} worker deaths and ${requeues:-?} re-queued tasks, expected ≥ 1 each"
    else
        pass "worker $victim killed at $at_kill/$EXPECTED done; $deaths death, $requeues re-queued; completed"
    fi
}

case_requeue() {
    local job store=$WORK/$CASE.sqlite at_signal why
    job=$(submit "$CASE" "-N 1" "$(slow 400)") || {
        fail "sbatch failed"
        return
    }
    wait_for 40 at_least_done "$store" 1 || {
        fail "no task done within 40 s"
        return
    }
    scancel --batch --signal=TERM "$job"
    at_signal=$(done_count "$store")
    wait_job "$job" $((JOB_TIMEOUT + 30)) || {
        fail "job $job still queued"
        return
    }
    if [ "$(job_field "$job" Restarts)" != 1 ]; then
        fail "job restarted $(job_field "$job" Restarts) times, expected 1"
    elif [ "$at_signal" -ge "$EXPECTED" ]; then
        fail "the sweep was already done at the signal (tasks too short)"
    elif why=$(check_finished "$job" "$store"); then
        pass "SIGTERM at $at_signal/$EXPECTED done, requeued once, completed"
    else
        fail "$why"
    fi
}

case_cancel_step() {
    local job store=$WORK/$CASE.sqlite step at_cancel why
    job=$(submit "$CASE" "-N 1" "$(slow 400)") || {
        fail "sbatch failed"
        return
    }
    worker_step() { squeue -h -s -j "$job" -o '%i %j' 2>/dev/null | awk '$2 == "dmfsweep-worker" { print $1; exit }'; }
    step_and_progress() { [ -n "$(worker_step)" ] && at_least_done "$store" 1; }
    wait_for 40 step_and_progress || {
        fail "never saw the worker step and a done task"
        return
    }
    step=$(worker_step)
    at_cancel=$(done_count "$store")
    scancel "$step"
    wait_job "$job" "$JOB_TIMEOUT" || {
        fail "job $job still queued"
        return
    }
    if ! grep -q "worker step ended .* restart 1/" "$WORK/$CASE"-*.out; then
        fail "the worker step was not restarted"
    elif [ "$at_cancel" -ge "$EXPECTED" ]; then
        fail "the sweep was already done at the cancel (tasks too short)"
    elif why=$(check_finished "$job" "$store"); then
        pass "step $step cancelled at $at_cancel/$EXPECTED done, restarted, completed"
    else
        fail "$why"
    fi
}

# `dmfsweep status` on the login node while the coordinator (on a node) writes an SQLite store:
# it must say that live reads need the coordinator's host (or a PostgreSQL store), not quietly
# read a WAL database written on another host.
case_live_sqlite() {
    local job store=$WORK/$CASE.sqlite out host why
    job=$(submit "$CASE" "-N 1" "$(slow 300)") || {
        fail "sbatch failed"
        return
    }
    wait_for 40 at_least_done "$store" 1 || {
        fail "no task done within 40 s"
        return
    }
    host=$(job_field "$job" BatchHost)
    out=$("$DMFSWEEP" status --store "$store" 2>&1)
    echo "$out" >"$WORK/$CASE.status"
    wait_job "$job" "$JOB_TIMEOUT" || {
        fail "job $job still queued"
        return
    }
    why=$(check_finished "$job" "$store") || {
        fail "$why"
        return
    }
    if grep -q "$host" <<<"$out" && grep -qi "postgres" <<<"$out"; then
        pass "status on the login node during the run names the coordinator's host $host and PostgreSQL"
    else
        skip "status on the login node does not yet say live reads need the coordinator's host ($host): '$(head -1 <<<"$out")' (store lifecycle work pending)"
    fi
}

# A PostgreSQL store: status and query from the login node during the run.
case_live_pg() {
    local job uri=${DMFSWEEP_TEST_PG_URI:-} name status_out query_out rows
    [ -n "$uri" ] || {
        skip "no PostgreSQL server for this run (DMFSWEEP_TEST_PG_URI unset, and 'dmfsweep coordinator --help' does not mention PostgreSQL stores or scripts/pg-server.sh is missing or failed)"
        return
    }
    name=slurm-test-pg-$$-$RANDOM
    sed "s/^name: .*/name: $name/" "$SWEEP" >"$WORK/$CASE.yaml"
    job=$(CASE_SWEEP=$WORK/$CASE.yaml CASE_STORE=$uri submit "$CASE" "-N 2" "$(slow 300)") || {
        fail "sbatch failed"
        return
    }
    pg_done() { "$DMFSWEEP" status --store "$uri" --sweep "$name" 2>/dev/null | grep -c "[1-9][0-9]*/$EXPECTED done" >/dev/null; }
    wait_for 40 pg_done || {
        fail "status never showed a done task during the run"
        return
    }
    status_out=$("$DMFSWEEP" status --store "$uri" --sweep "$name" 2>&1) || {
        fail "status during the run: $status_out"
        return
    }
    query_out=$("$DMFSWEEP" query --store "$uri" --sweep "$name" --raw --format csv 2>&1) || {
        fail "query during the run: $query_out"
        return
    }
    [ -n "$(squeue -h -j "$job")" ] || {
        fail "the job had ended before status and query ran (tasks too short)"
        return
    }
    wait_job "$job" "$JOB_TIMEOUT" || {
        fail "job $job still queued"
        return
    }
    rows=$("$DMFSWEEP" query --store "$uri" --sweep "$name" --raw --format csv | tail -n +2 | grep -c .)
    if [ "$(job_field "$job" JobState)" != COMPLETED ] || [ "$rows" != "$EXPECTED" ]; then
        fail "job $(job_field "$job" JobState), $rows result rows"
    else
        pass "status and query from the login node during the run ($(grep -o "[0-9]*/$EXPECTED done" <<<"$status_out"), $(($(wc -l <<<"$query_out") - 1)) rows), then $EXPECTED rows"
    fi
}

# --- stage 2: node faults ---------------------------------------------------------------------------
case_worker_crash() {
    local job store=$WORK/$CASE.sqlite t_crash t_requeue held why deaths requeues
    job=$(submit "$CASE" "-N 2 -w node1,node3" "$(slow 800)" DMFSWEEP_COORDINATOR_ARGS="--wait-for-workers 2") || {
        fail "sbatch failed"
        return
    }
    progress_on_node3() { [ "$(live_on node1 "$store" node3 leased)" -ge 1 ] && at_least_done "$store" 2; }
    wait_for 40 progress_on_node3 || {
        fail "never saw tasks leased to node3 and two done"
        return
    }
    held=$(live_on node1 "$store" node3 leased)
    t_crash=$(now)
    "$CLUSTER" crash node3
    touch "$WORK/crashed.node3"
    wait_for 30 job_log_has "worker node3-[0-9]* lost" || {
        fail "the coordinator did not declare node3's worker lost within 30 s of the crash"
        return
    }
    t_requeue=$(now)
    wait_job "$job" "$JOB_TIMEOUT" || {
        fail "job $job still queued"
        return
    }
    why=$(check_finished "$job" "$store") || {
        fail "$why"
        return
    }
    deaths=$(live_number "$store" deaths)
    requeues=$(live_number "$store" requeues)
    if [ "${deaths:-0}" -lt 1 ] || [ "${requeues:-0}" -lt 1 ]; then
        fail "the coordinator saw ${deaths:-?} worker deaths and ${requeues:-?} re-queued tasks, expected ≥ 1 each"
    elif [ "$(count_where "$store" "worker LIKE 'node3-%' AND finished > $t_crash + 1")" != 0 ]; then
        fail "results from node3 were committed after it crashed"
    else
        pass "node3 crashed holding $held task(s); declared lost and its leases re-queued ($requeues) after $(elapsed "$t_crash" "$t_requeue") s; completed on node1"
    fi
}

case_worker_cut() {
    local job store=$WORK/$CASE.sqlite t_cut t_away t_heal held after late duplicates why
    job=$(submit "$CASE" "-N 2 -w node1,node2" "$(slow 2500)" DMFSWEEP_COORDINATOR_ARGS="--wait-for-workers 2") || {
        fail "sbatch failed"
        return
    }
    progress_on_node2() { [ "$(live_on node1 "$store" node2 leased)" -ge 1 ] && at_least_done "$store" 2; }
    wait_for 40 progress_on_node2 || {
        fail "never saw tasks leased to node2 and two done"
        return
    }
    held=$(live_on node1 "$store" node2 leased)
    t_cut=$(now)
    "$CLUSTER" cut node2
    wait_for 20 job_log_has "worker node2-[0-9]* lost" || {
        "$CLUSTER" heal node2
        fail "the coordinator did not declare node2's worker lost within 20 s of the cut"
        return
    }
    t_away=$(now)
    # Away longer than a lease (3 heartbeats of 1 s): its in-flight tasks finish meanwhile, and
    # node1 (a slot frees every 2.5 s) runs the re-queued copies, which go to the front of the queue.
    sleep 8
    t_heal=$(now)
    "$CLUSTER" heal node2
    wait_job "$job" "$JOB_TIMEOUT" || {
        fail "job $job still queued"
        return
    }
    why=$(check_finished "$job" "$store") || {
        fail "$why"
        return
    }
    # Results from node2 committed after the heal: its late ones (at most what it held, fewer by
    # those the coordinator dropped as duplicates) and new work.
    duplicates=$(live_number "$store" duplicates)
    after=$(count_where "$store" "worker LIKE 'node2-%' AND finished > $t_heal")
    late=$((held - ${duplicates:-0} > 0 ? held - ${duplicates:-0} : 0))
    if [ "$(live_number "$store" requeues)" -lt 1 ]; then
        fail "the coordinator re-queued none of node2's tasks"
    elif [ "${duplicates:-0}" -lt 1 ]; then
        fail "no late result was dropped as a duplicate: node2's tasks were not re-dispatched while it was away"
    elif [ "$((after - late))" -lt 1 ]; then
        fail "node2 got no new work after the heal ($after results from it after the heal, $held held, ${duplicates:-?} duplicates)"
    else
        pass "node2 cut holding $held task(s), declared lost and re-queued after $(elapsed "$t_cut" "$t_away") s, healed after $(elapsed "$t_cut" "$t_heal") s; ${duplicates:-0} late duplicate(s) dropped, one result per key; node2 then committed $after result(s)"
    fi
}

case_coordinator_crash() {
    local job store=$WORK/$CASE.sqlite host t_crash t_requeued t_done before after why new_host
    job=$(submit "$CASE" "-N 1" "$(slow 400)") || {
        fail "sbatch failed"
        return
    }
    started() { [ "$(job_field "$job" JobState)" = RUNNING ]; }
    wait_for 30 started
    # coordinator-cut waits for this before it submits, so Slurm places this job on node1.
    touch "$WORK/crash-job-started"
    wait_for 40 at_least_done "$store" 6 || {
        fail "never saw six done tasks"
        return
    }
    host=$(job_field "$job" BatchHost)
    [ "$host" = node1 ] || {
        fail "the job runs on $host, not node1 (where no other case of this stage runs)"
        return
    }
    t_crash=$(now)
    "$CLUSTER" crash "$host"
    echo "$host" >"$WORK/crashed-node"
    # What was committed at the crash (it can only grow until the kill lands).
    before=$(sql "$store" "SELECT t.key, t.attempts, r.recorded FROM tasks t JOIN results r ON r.task_id = t.id ORDER BY t.key")
    requeued() { [ "$(job_field "$job" Restarts)" = 1 ] && [ "$(job_field "$job" JobState)" = RUNNING ]; }
    # Measured here: running again 116-118 s after the crash (SlurmdTimeout, then the requeued job
    # pends about 45 s more); once 120 s was not enough, so the bound leaves a minute of margin.
    wait_for $((DMFSWEEP_SLURMD_TIMEOUT + 110)) requeued || {
        fail "job not requeued and running $((DMFSWEEP_SLURMD_TIMEOUT + 110)) s after $host crashed ($(job_field "$job" JobState), $(job_field "$job" Restarts) restarts)"
        return
    }
    t_requeued=$(now)
    wait_job "$job" "$JOB_TIMEOUT" || {
        fail "job $job still queued"
        return
    }
    t_done=$(now)
    why=$(check_finished "$job" "$store") || {
        fail "$why"
        return
    }
    new_host=$(job_field "$job" BatchHost)
    after=$(sql "$store" "SELECT t.key, t.attempts, r.recorded FROM tasks t JOIN results r ON r.task_id = t.id ORDER BY t.key" \
        | grep -cFx -f <(echo "$before"))
    if [ "$new_host" = "$host" ]; then
        fail "the requeued run was on the crashed node $host"
    elif [ "$after" != "$(grep -c . <<<"$before")" ]; then
        fail "$(($(grep -c . <<<"$before") - after)) of the $(grep -c . <<<"$before") results committed before the crash changed (recomputed)"
    else
        pass "$host crashed at $(grep -c . <<<"$before")/$EXPECTED committed; requeued by Slurm and running on $new_host after $(elapsed "$t_crash" "$t_requeued") s, complete after $(elapsed "$t_crash" "$t_done") s; nothing committed recomputed"
    fi
}

case_coordinator_cut() {
    local job store=$WORK/$CASE.sqlite port t_cut t_heal t_back at_cut at_heal why
    if [[ -z ${DMFSWEEP_TEST_ONLY:-} || " $DMFSWEEP_TEST_ONLY " == *" coordinator_crash "* ]]; then
        wait_for 30 test -e "$WORK/crash-job-started"
    fi
    job=$(submit "$CASE" "-N 2 -w node2,node3" "$(slow 500)" DMFSWEEP_FIRST_NODE_WORKERS=0 \
        DMFSWEEP_WORKER_ARGS="--give-up-after $((PARTITION_S * 3))") || {
        fail "sbatch failed"
        return
    }
    port=$((10000 + job % 20000))
    wait_for 40 at_least_done "$store" 2 || {
        fail "no two tasks done within 40 s"
        return
    }
    [ "$(job_field "$job" BatchHost)" = node2 ] || {
        fail "the coordinator is on $(job_field "$job" BatchHost), not node2"
        return
    }
    at_cut=$(done_count "$store")
    t_cut=$(now)
    "$CLUSTER" cut node2
    sleep "$PARTITION_S"
    at_heal=$(done_count "$store")
    if ! "$CLUSTER" exec node3 pgrep -f -- "dmfsweep worker --connect tcp://node2:$port" >/dev/null; then
        "$CLUSTER" heal node2
        fail "node3's worker gave up during a ${PARTITION_S} s partition (--give-up-after $((PARTITION_S * 3)))"
        return
    fi
    t_heal=$(now)
    "$CLUSTER" heal node2
    more_done() { at_least_done "$store" $((at_heal + 1)); }
    wait_for 40 more_done || {
        fail "no progress within 40 s after the heal"
        return
    }
    t_back=$(now)
    wait_job "$job" "$JOB_TIMEOUT" || {
        fail "job $job still queued"
        return
    }
    why=$(check_finished "$job" "$store") || {
        fail "$why"
        return
    }
    if [ "$at_cut" -ge "$EXPECTED" ]; then
        fail "the sweep was already done at the cut"
    elif [ "$at_heal" -gt "$at_cut" ] && [ "$(sql "$store" "SELECT count(*) FROM tasks WHERE finished BETWEEN $t_cut + 2 AND $t_heal")" -gt 0 ]; then
        fail "tasks were committed while the coordinator was cut off from every worker"
    else
        pass "coordinator's node cut for ${PARTITION_S} s at $at_cut/$EXPECTED; workers kept retrying; first new result $(elapsed "$t_heal" "$t_back") s after the heal; completed"
    fi
}

# --- stage 3: scale ---------------------------------------------------------------------------------
# One coordinator in node1 with no-op tasks and SCALE_WORKERS `--jobs 1` workers over CURVE;
# prints "LABEL TASKS/S DEATHS JOINED", the rate timed from the coordinator's "handing out tasks"
# (all workers joined) to its exit.
#   scale_run LABEL BIND CONNECT-HOST NODES…   (workers spread round-robin over NODES)
scale_run() {
    local label=$1 bind=$2 host=$3 port coordinator i node pids=() out deaths joined t_dispatch t_end status
    shift 3
    port=$(shuf -i 30000-39999 -n 1)
    out=$WORK/scale-$label
    "$CLUSTER" exec node1 "$DMFSWEEP" coordinator "$WORK/scale.yaml" --noop --store "$out.sqlite" \
        --bind "tcp://$bind:$port" --curve --keys "$DMFSWEEP_KEYS" --wait-for-workers "$SCALE_WORKERS" \
        >"$out.out" 2>"$out.err" &
    coordinator=$!
    joined_at_least() { [ "$(grep -c "joined from" "$out.err")" -ge "$1" ]; }
    listening() { grep -q "listening on" "$out.err" || ! kill -0 "$coordinator" 2>/dev/null; }
    # Workers that find no coordinator yet back off (up to 8 s): start them once it listens.
    if ! wait_for 60 listening || ! kill -0 "$coordinator" 2>/dev/null; then
        kill -KILL "$coordinator" 2>/dev/null
        echo "$label: the coordinator did not start listening within 60 s: $(tail -n 1 "$out.err")"
        return 1
    fi
    for ((i = 0; i < SCALE_WORKERS; i++)); do
        node=${*:$((i % $# + 1)):1}
        "$CLUSTER" exec "$node" "$DMFSWEEP" worker --connect "tcp://$host:$port" --jobs 1 --quiet \
            --curve --keys "$DMFSWEEP_KEYS" --key-name worker --give-up-after 60 >/dev/null 2>>"$out.workers.err" &
        pids+=($!)
        # Workers start in waves of 40: 200 processes starting at once on 2 cores delay their
        # CURVE handshakes past the workers' 3 s hello timeout and they reconnect over and over.
        if (((i + 1) % 40 == 0)); then wait_for 30 joined_at_least $((i + 1 - 5)); fi
    done
    t_dispatch=""
    for i in $(seq 3000); do
        if [ -z "$t_dispatch" ] && grep -q "handing out tasks" "$out.err"; then t_dispatch=$(now); fi
        kill -0 "$coordinator" 2>/dev/null || break
        sleep 0.02
    done
    t_end=$(now)
    if kill -0 "$coordinator" 2>/dev/null; then
        kill -KILL "$coordinator" "${pids[@]}" 2>/dev/null
        echo "$label: coordinator still running after 60 s"
        return 1
    fi
    wait "$coordinator"
    status=$?
    sleep 1
    kill -KILL "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
    deaths=$(sed -n 's/.*, \([0-9]*\) worker death(s).*/\1/p' "$out.out")
    joined=$(grep -c "joined from" "$out.err")
    if [ "$status" != 0 ] || [ "$(done_count "$out.sqlite")" != "$SCALE_TASKS" ] || [ -z "$t_dispatch" ]; then
        echo "$label: coordinator status $status, $(done_count "$out.sqlite")/$SCALE_TASKS done"
        return 1
    fi
    [ "$(sql "$out.sqlite" "PRAGMA integrity_check")" = ok ] || {
        echo "$label: integrity_check"
        return 1
    }
    echo "$label $(awk -v n="$SCALE_TASKS" -v a="$t_dispatch" -v b="$t_end" 'BEGIN { printf "%.0f", n / (b - a) }') ${deaths:-?} $joined"
}

case_scale() {
    local bridge loopback label rate deaths joined
    {
        echo "name: scale-noop"
        echo "method: grid"
        echo "parameters:"
        echo "  seed: {values: [$(seq -s, 0 $((SCALE_TASKS - 1)))]}"
    } >"$WORK/scale.yaml"
    bridge=$(scale_run bridge "${DMFSWEEP_SLURM_SUBNET:-10.213.7}.11" node1 node1 node2 node3) || {
        fail "$bridge"
        return
    }
    loopback=$(scale_run loopback 127.0.0.1 127.0.0.1 node1) || {
        fail "$loopback"
        return
    }
    read -r label rate deaths joined <<<"$bridge"
    local lrate ldeaths ljoined
    read -r label lrate ldeaths ljoined <<<"$loopback"
    if [ "$joined" -lt "$SCALE_WORKERS" ] || [ "$ljoined" -lt "$SCALE_WORKERS" ]; then
        fail "only $joined (bridge) / $ljoined (loopback) of $SCALE_WORKERS workers joined"
    elif [ "${deaths:-1}" != 0 ] || [ "${ldeaths:-1}" != 0 ]; then
        fail "workers declared dead: $deaths (bridge), $ldeaths (loopback)"
    else
        pass "$SCALE_WORKERS workers (--jobs 1) on node1-3, $SCALE_TASKS no-op tasks, 0 deaths: bridge+CURVE $rate tasks/s, loopback+CURVE (all in node1) $lrate tasks/s"
    fi
}

# --- run ---------------------------------------------------------------------------------------------
t0=$SECONDS
run_cases 150 complete kill_worker requeue cancel_step live_sqlite live_pg
say "stage 1 in $((SECONDS - t0)) s"
t0=$SECONDS
run_cases 120 worker_crash worker_cut
if [ -e "$WORK/crashed.node3" ]; then "$CLUSTER" boot node3 >/dev/null 2>&1 || say "node3 did not boot again"; fi
say "stage 2a in $((SECONDS - t0)) s"
t0=$SECONDS
run_cases $((DMFSWEEP_SLURMD_TIMEOUT + 150)) coordinator_crash coordinator_cut
say "stage 2b in $((SECONDS - t0)) s"
[ -s "$WORK/crashed-node" ] && { "$CLUSTER" boot "$(cat "$WORK/crashed-node")" >/dev/null 2>&1 || say "$(cat "$WORK/crashed-node") did not boot again"; }
t0=$SECONDS
run_cases 200 scale
say "stage 3 in $((SECONDS - t0)) s"

passed=$(cat "$WORK"/result.* | grep -c '^PASS')
failed=$(cat "$WORK"/result.* | grep -c '^FAIL')
skipped=$(cat "$WORK"/result.* | grep -c '^SKIP')
say "total $((SECONDS - t_start)) s (cluster up to end: $((SECONDS - t_cluster)) s); $skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
