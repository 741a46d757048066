#!/usr/bin/env bash
# Run a command inside a Linux memory cgroup (v1) limited to LIMIT_MIB, so that the heap and the
# page cache together may not exceed it, and report whether it completed, the peak memory charged,
# how often the kernel had to reclaim, and whether the OOM killer fired. Needs root.
#
#   benches/cgroup_run.sh 384 target/release/ilms run --round bench-data/50M/ilms.toml --quiet --no-records
set -u
limit_mib=${1:?usage: cgroup_run.sh LIMIT_MIB COMMAND...}
shift
group=/sys/fs/cgroup/memory/ilmsbench
if [ ! -d /sys/fs/cgroup/memory ]; then
    echo "cgroup_run.sh: no cgroup v1 memory controller at /sys/fs/cgroup/memory" >&2
    exit 2
fi
mkdir -p "$group"
echo $((limit_mib * 1024 * 1024)) > "$group/memory.limit_in_bytes"
echo 0 > "$group/memory.max_usage_in_bytes"
echo 0 > "$group/memory.failcnt"
kills_before=$(awk '/^oom_kill /{print $2}' "$group/memory.oom_control")
start=$(date +%s.%N)
sh -c 'echo $$ > '"$group"'/cgroup.procs; exec "$@"' sh "$@" > /dev/null
status=$?
end=$(date +%s.%N)
kills_after=$(awk '/^oom_kill /{print $2}' "$group/memory.oom_control")
printf 'limit %d MiB: exit %d, %.1f s, max charged %d MiB, reclaim events %d, OOM kills %d\n' \
    "$limit_mib" "$status" "$(echo "$end - $start" | bc)" \
    $(($(cat "$group/memory.max_usage_in_bytes") / 1048576)) \
    "$(cat "$group/memory.failcnt")" $((kills_after - kills_before))
exit $status
