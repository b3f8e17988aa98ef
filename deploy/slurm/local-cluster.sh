#!/usr/bin/env bash
# A real multi-node Slurm on this machine, for trying and testing deploy/slurm/dmfsweep.sbatch.
#
#   deploy/slurm/local-cluster.sh up [--nodes K]  (re)create the cluster: munged and slurmctld in
#                                  the root namespace (the "login node"), K compute nodes
#                                  node1…nodeK (default 3), each its own network + UTS + mount
#                                  namespace with its own address on a private bridge and its own
#                                  slurmd; wait until every node is idle; print the SLURM_CONF line
#   deploy/slurm/local-cluster.sh status           daemons, nodes, sinfo and squeue
#   deploy/slurm/local-cluster.sh down             stop everything and remove every namespace,
#                                                  link, process and file `up` made
#   deploy/slurm/local-cluster.sh cut NODE         take NODE's link down (a network partition)
#   deploy/slurm/local-cluster.sh heal NODE        bring NODE's link back up
#   deploy/slurm/local-cluster.sh crash NODE       power loss: link down, then SIGKILL every
#                                                  process of the node (its slurmd, job steps,
#                                                  workers); the node stays off until `boot`
#   deploy/slurm/local-cluster.sh boot NODE        power a crashed node on again (new slurmd)
#   deploy/slurm/local-cluster.sh exec NODE CMD…   run a command inside NODE (its hostname,
#                                                  network and /etc/hosts)
#
# Layout (SUBNET=10.213.7 by default):
#   bridge  dmfs<tag>br  SUBNET.1/24, in the root namespace: slurmctld, sbatch/squeue and
#                        `dmfsweep status/query` run here and reach the nodes through it
#   nodeI   namespace dmfs<tag>-nodeI, eth0 = SUBNET.(10+I)/24, hostname nodeI, slurmd -N nodeI;
#           the root-side end of its veth pair is dmfs<tag>vI (what `cut` takes down)
# <tag> is derived from the working directory, so two working directories never share names. The
# nodes share the filesystem (as a cluster shares one over NFS) and the munge socket; each sees
# its own /etc/hosts (a bind mount of $DIR/etc/hosts inside the node's mount namespace: nodeI and
# the login host resolve to their bridge addresses); the machine's /etc/hosts is never touched.
# Each node's namespaces are held by one `sleep` process (its "init", pid in $DIR/run/nodeI.pid),
# which every process of the node is started under with nsenter.
#
# Everything else — configuration, munge key and socket, state, spool, pid files, logs — lives
# under $DMFSWEEP_SLURM_DIR (default /tmp/dmfsweep-slurm). Daemons are started by hand (no
# systemd), as root. Debian 12 packages: slurmctld slurmd slurm-client munge (Slurm 22.05).
#
# Environment:
#   DMFSWEEP_SLURM_DIR          working directory (default /tmp/dmfsweep-slurm)
#   DMFSWEEP_SLURM_PORT         slurmctld port; slurmd uses the next one (default 6817)
#   DMFSWEEP_SLURM_SUBNET       first three octets of the private /24 (default 10.213.7)
#   DMFSWEEP_SLURM_NODE_CPUS    CPUs each node declares (default: this machine's); more than the
#                               machine has lets several test jobs share the nodes
#   DMFSWEEP_SLURM_UP_TIMEOUT   seconds `up` waits for the nodes to become idle (default 60)
#   DMFSWEEP_SLURMD_TIMEOUT     seconds without an answer before slurmctld sets a node DOWN and
#                               requeues its batch jobs (default 10; Slurm's default is 300)
set -euo pipefail

DIR=${DMFSWEEP_SLURM_DIR:-/tmp/dmfsweep-slurm}
PORT=${DMFSWEEP_SLURM_PORT:-6817}
SUBNET=${DMFSWEEP_SLURM_SUBNET:-10.213.7}
UP_TIMEOUT=${DMFSWEEP_SLURM_UP_TIMEOUT:-60}
SLURMD_TIMEOUT=${DMFSWEEP_SLURMD_TIMEOUT:-10}
CONF=$DIR/etc/slurm.conf
MUNGE_SOCKET=$DIR/munge/munge.socket.2
LOGIN=$(hostname -s)
TAG=$(printf '%s' "$DIR" | md5sum | cut -c1-5)
BRIDGE=dmfs${TAG}br

log() { echo "local-cluster: $*" >&2; }
die() {
    log "error: $*"
    exit 1
}
# A usage or input error: one line, exit status 2.
bad_input() {
    log "error: $*"
    exit 2
}

need_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, bridges and the Slurm daemons need it)"
}

# Names of node I: its namespace, the root-side veth, its address.
netns_of() { echo "dmfs$TAG-node$1"; }
veth_of() { echo "dmfs${TAG}v$1"; }
addr_of() { echo "$SUBNET.$((10 + $1))"; }
# "node3" -> 3; dies on anything else.
node_index() {
    local n=${1#node}
    [[ $1 == node* && $n =~ ^[0-9]+$ ]] || bad_input "no node '$1' (nodes are node1…nodeK)"
    [ -e "$DIR/etc/nodes" ] || die "no cluster in $DIR (run '$0 up' first)"
    grep -qx "node$n" "$DIR/etc/nodes" || bad_input "no node '$1' in this cluster ($(tr '\n' ' ' <"$DIR/etc/nodes"))"
    echo "$n"
}

# Installs the Debian packages quietly when one is missing; does nothing otherwise.
install_packages() {
    local packages=(slurmctld slurmd slurm-client munge) missing=() p
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -c "install ok installed" >/dev/null || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # The post-install scripts try to start the daemons through invoke-rc.d, which is denied here
    # (no init system); that message is expected and harmless.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$DIR/log/apt.log" 2>&1 \
        || {
            cat "$DIR/log/apt.log" >&2
            die "apt-get install failed"
        }
}

# Prints the pid in a pid file if that process is alive.
alive_pid() {
    local f=$1 pid
    [ -s "$f" ] || return 1
    pid=$(cat "$f")
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

node_cpus() { echo "${DMFSWEEP_SLURM_NODE_CPUS:-$(nproc --all)}"; }
# Each node declares a share of the memory (they all share this machine's).
node_memory_mb() { awk -v k="$1" '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 / k }' /proc/meminfo; }

write_config() {
    local k=$1 i
    {
        cat <<EOF
# Generated by deploy/slurm/local-cluster.sh: $k nodes in network namespaces under $DIR.
ClusterName=dmfsweep-local
SlurmctldHost=$LOGIN($SUBNET.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$MUNGE_SOCKET,cred_expire=5
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/slurmd.%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.%n.log
SlurmctldDebug=info
SlurmdDebug=info
# Known-good on these machines (no cgroups, no systemd, no accounting daemon).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
# The nodes may declare more CPUs than the machine has (DMFSWEEP_SLURM_NODE_CPUS).
SlurmdParameters=config_overrides
# Short timers so tests see state changes quickly: a silent node is DOWN after SlurmdTimeout,
# and comes back by itself when its slurmd registers again.
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=$SLURMD_TIMEOUT
MessageTimeout=5
InactiveLimit=0
MinJobAge=300
KillWait=10
Waittime=0
SchedulerParameters=sched_interval=2
JobRequeue=1
EOF
        for ((i = 1; i <= k; i++)); do
            echo "NodeName=node$i NodeAddr=$(addr_of "$i") CPUs=$(node_cpus) RealMemory=$(node_memory_mb "$k") State=UNKNOWN"
        done
        echo "PartitionName=debug Nodes=node[1-$k] Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO"
    } >"$CONF"
    {
        echo "127.0.0.1 localhost"
        echo "$SUBNET.1 $LOGIN login"
        for ((i = 1; i <= k; i++)); do echo "$(addr_of "$i") node$i"; done
    } >"$DIR/etc/hosts"
    seq -f 'node%g' 1 "$k" >"$DIR/etc/nodes"
}

start_munge() {
    if alive_pid "$DIR/munge/munged.pid" >/dev/null; then return 0; fi
    # Our own key, owned by root with mode 0600 (munged refuses keys others can read); the
    # socket's directory must be world-searchable (755) so clients of any user can reach it.
    [ -s "$DIR/munge/munge.key" ] || mungekey --create --keyfile="$DIR/munge/munge.key" 2>/dev/null \
        || dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
    chmod 0600 "$DIR/munge/munge.key"
    chmod 0755 "$DIR/munge"
    munged --force --socket="$MUNGE_SOCKET" --key-file="$DIR/munge/munge.key" \
        --log-file="$DIR/log/munged.log" --pid-file="$DIR/munge/munged.pid" \
        --seed-file="$DIR/munge/munged.seed" \
        || die "munged did not start; see $DIR/log/munged.log"
    local i
    for i in $(seq 50); do
        if munge -S "$MUNGE_SOCKET" -n 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    die "munge does not answer on $MUNGE_SOCKET; see $DIR/log/munged.log"
}

# The network: the bridge with the login address, one namespace + veth pair per node.
make_network() {
    local k=$1 i ns veth
    ip link add "$BRIDGE" type bridge
    ip addr add "$SUBNET.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    for ((i = 1; i <= k; i++)); do
        ns=$(netns_of "$i")
        veth=$(veth_of "$i")
        ip netns add "$ns"
        ip link add "$veth" type veth peer name "${veth}p"
        ip link set "${veth}p" netns "$ns"
        ip -n "$ns" link set "${veth}p" name eth0
        ip -n "$ns" addr add "$(addr_of "$i")/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
        ip link set "$veth" master "$BRIDGE"
        ip link set "$veth" up
    done
}

# Starts node I's "init": a sleep holding its own UTS and mount namespaces (hostname nodeI, the
# cluster's /etc/hosts) inside its network namespace. Every process of the node starts under it.
start_node_init() {
    local i=$1 pid n
    mkdir -p "$DIR/spool/slurmd.node$i"
    # nsenter --net rather than `ip netns exec`, which remounts /sys and so hides the cgroup
    # mounts slurmd needs.
    nsenter --net="/run/netns/$(netns_of "$i")" unshare --uts --mount --propagation private \
        sh -c "hostname node$i && mount --bind '$DIR/etc/hosts' /etc/hosts && exec sleep infinity" \
        </dev/null >>"$DIR/log/node$i.init.log" 2>&1 &
    pid=$!
    for n in $(seq 100); do
        if [ "$(nsenter -t "$pid" -u hostname 2>/dev/null)" = "node$i" ] \
            && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$(command -v sleep)")" ]; then
            echo "$pid" >"$DIR/run/node$i.pid"
            return 0
        fi
        sleep 0.05
    done
    die "node$i's namespaces did not come up; see $DIR/log/node$i.init.log"
}

# Runs a command inside node I (all its namespaces), in the current directory, in place of this
# shell (so the caller's $! is the command's pid).
in_node() {
    local i=$1 pid
    shift
    pid=$(alive_pid "$DIR/run/node$i.pid") || die "node$i is not running (crashed? 'boot node$i')"
    exec nsenter -t "$pid" -u -m -n --wd="$PWD" -- "$@"
}

start_slurmd() {
    local i=$1
    in_node "$i" env SLURM_CONF="$CONF" setsid slurmd -D -N "node$i" \
        >>"$DIR/log/slurmd.node$i.stdout" 2>&1 </dev/null &
}

start_slurmctld() {
    if alive_pid "$DIR/run/slurmctld.pid" >/dev/null; then return 0; fi
    SLURM_CONF=$CONF setsid slurmctld -D >>"$DIR/log/slurmctld.stdout" 2>&1 </dev/null &
    echo $! >"$DIR/run/slurmctld.pid"
}

node_states() { SLURM_CONF=$CONF sinfo -h -N -o '%N %t' 2>/dev/null | sort -u; }

# Waits until every node in $@ is idle (or mix/alloc); resumes nodes left down by an earlier life.
wait_nodes_up() {
    local deadline=$((SECONDS + UP_TIMEOUT)) states="" node state pending
    while ((SECONDS < deadline)); do
        states=$(node_states)
        pending=0
        for node in "$@"; do
            state=$(awk -v n="$node" '$1 == n { print $2 }' <<<"$states")
            case "$state" in
                idle | mix | alloc) ;;
                down* | drain* | fail*)
                    pending=1
                    SLURM_CONF=$CONF scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true
                    ;;
                *) pending=1 ;;
            esac
        done
        ((pending)) || return 0
        alive_pid "$DIR/run/slurmctld.pid" >/dev/null || {
            tail -20 "$DIR/log/slurmctld.log" >&2 2>/dev/null
            die "slurmctld exited"
        }
        sleep 0.5
    done
    die "nodes not idle after ${UP_TIMEOUT}s: $(tr '\n' ' ' <<<"$states"); see $DIR/log/"
}

cmd_up() {
    local k=3
    while (($#)); do
        case "$1" in
            --nodes)
                k=${2:-}
                shift 2 || true
                ;;
            --nodes=*)
                k=${1#--nodes=}
                shift
                ;;
            *) bad_input "up: unknown option '$1' (usage: up [--nodes K])" ;;
        esac
    done
    if ! [[ $k =~ ^[0-9]+$ ]] || ((k < 1 || k > 200)); then bad_input "up: --nodes must be a number from 1 to 200, got '$k'"; fi
    need_root
    # A cluster left behind by a crash or a killed test: clean it up first.
    if [ -d "$DIR" ] || ip link show "$BRIDGE" >/dev/null 2>&1 || ip netns list | grep -c "^dmfs$TAG-" >/dev/null; then
        log "cleaning up an earlier cluster in $DIR"
        cmd_down >/dev/null 2>&1
    fi
    mkdir -p "$DIR"/{etc,state,spool,run,log,munge}
    chmod 0755 "$DIR"
    install_packages
    write_config "$k"
    make_network "$k" || die "could not create the network (needs root and network namespaces)"
    start_munge
    start_slurmctld
    local i nodes=()
    for ((i = 1; i <= k; i++)); do
        start_node_init "$i"
        start_slurmd "$i"
        nodes+=("node$i")
    done
    wait_nodes_up "${nodes[@]}"
    log "$k node(s) idle: ${nodes[*]} on $SUBNET.0/24 ($(node_cpus) CPUs each); logs in $DIR/log"
    echo "export SLURM_CONF=$CONF"
}

# SIGKILLs every process in node I's network namespace (until none is left).
kill_node_processes() {
    local ns pids n
    ns=$(netns_of "$1")
    for n in $(seq 50); do
        pids=$(ip netns pids "$ns" 2>/dev/null) || return 0
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086 # one pid per word
        kill -KILL $pids 2>/dev/null || true
        sleep 0.1
    done
    log "warning: processes left in $ns: $(ip netns pids "$ns" | tr '\n' ' ')"
}

# Stops the daemons named by pid files together: SIGTERM to all, up to 10 s, then SIGKILL.
stop_pidfiles() {
    local f pid pids=() i
    for f in "$@"; do
        pid=$(alive_pid "$f") && pids+=("$pid") && kill -TERM "$pid" 2>/dev/null
    done
    for i in $(seq 100); do
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && break
            pid=""
        done
        [ -z "${pid:-}" ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -f "$@"
}

cmd_down() {
    need_root
    local i ns link
    if alive_pid "$DIR/run/slurmctld.pid" >/dev/null; then
        SLURM_CONF=$CONF scancel --quiet --user=root 2>/dev/null || true
        for i in $(seq 25); do
            [ -z "$(SLURM_CONF=$CONF squeue -h -t running,completing 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    # Every process of every node (slurmd, slurmstepd, job steps), then the namespaces: found by
    # name, not by the files under $DIR, so a half-made or half-removed cluster goes too.
    for ns in $(ip netns list 2>/dev/null | awk -v p="dmfs$TAG-node" 'index($1, p) == 1 { print $1 }'); do
        i=${ns#dmfs"$TAG"-node}
        kill_node_processes "$i"
        ip netns del "$ns" 2>/dev/null || log "warning: could not delete namespace $ns"
    done
    for link in $(ip -o link show 2>/dev/null | awk -F': ' -v p="dmfs$TAG" 'index($2, p) == 1 { sub(/@.*/, "", $2); print $2 }'); do
        ip link del "$link" 2>/dev/null || true
    done
    stop_pidfiles "$DIR/run/slurmctld.pid"
    # Job step daemons of nodes whose namespace is already gone cannot exist (they die with it);
    # slurmstepd in the root namespace could only come from an older single-node cluster.
    stop_pidfiles "$DIR/munge/munged.pid"
    rm -rf "$DIR"
    log "stopped; removed $DIR, its namespaces and links"
}

cmd_status() {
    local d pid i
    for d in run/slurmctld munge/munged; do
        if pid=$(alive_pid "$DIR/$d.pid"); then echo "${d##*/}: running (pid $pid)"; else echo "${d##*/}: stopped"; fi
    done
    [ -e "$DIR/etc/nodes" ] || return 0
    while read -r node; do
        i=${node#node}
        if pid=$(alive_pid "$DIR/run/$node.pid"); then
            echo "$node: $(addr_of "$i"), link $(cat "/sys/class/net/$(veth_of "$i")/operstate" 2>/dev/null), $(ip netns pids "$(netns_of "$i")" | wc -l) process(es)"
        else
            echo "$node: off"
        fi
    done <"$DIR/etc/nodes"
    if alive_pid "$DIR/run/slurmctld.pid" >/dev/null; then
        SLURM_CONF=$CONF sinfo -N
        SLURM_CONF=$CONF squeue
        echo "export SLURM_CONF=$CONF"
    fi
}

usage() {
    echo "usage: $0 up [--nodes K] | down | status | cut NODE | heal NODE | crash NODE | boot NODE | exec NODE CMD…" >&2
    exit 2
}

verb=${1:-}
[ $# -gt 0 ] && shift
case "$verb" in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    cut | heal)
        [ $# -eq 1 ] || usage
        need_root
        i=$(node_index "$1")
        state=down
        [ "$verb" = heal ] && state=up
        ip link set "$(veth_of "$i")" "$state"
        ;;
    crash)
        [ $# -eq 1 ] || usage
        need_root
        i=$(node_index "$1")
        # The link first: a node losing power sends nothing more (no FIN, no RST), so peers notice
        # only by silence, as on a real cluster.
        ip link set "$(veth_of "$i")" down
        kill_node_processes "$i"
        rm -f "$DIR/run/node$i.pid"
        ;;
    boot)
        [ $# -eq 1 ] || usage
        need_root
        i=$(node_index "$1")
        alive_pid "$DIR/run/node$i.pid" >/dev/null && die "node$i is running"
        kill_node_processes "$i"
        start_node_init "$i"
        ip link set "$(veth_of "$i")" up
        start_slurmd "$i"
        wait_nodes_up "node$i"
        ;;
    exec)
        [ $# -ge 2 ] || usage
        i=$(node_index "$1")
        shift
        in_node "$i" "$@"
        ;;
    *) usage ;;
esac
