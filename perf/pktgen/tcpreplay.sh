#!/bin/sh
# Replay a recontap-gen capture onto an interface wired to the appliance's tap
# port with tcpreplay (kernel path: about 1-3 Mpps per sender core; use
# pktgen-dpdk, perf/pktgen/run-pktgen, beyond that).
#   perf/pktgen/tcpreplay.sh IFACE CAPTURE [MPPS] [LOOPS]
# MPPS 0 = as fast as possible (--topspeed). tcpreplay-edit can rewrite MACs
# if the appliance's port is not promiscuous (recontap enables promiscuous).
set -eu
iface=${1:?usage: tcpreplay.sh IFACE CAPTURE [MPPS] [LOOPS]}
capture=${2:?capture}
mpps=${3:-0}
loops=${4:-10}
if [ "$mpps" = 0 ]; then
    speed=--topspeed
else
    speed="--pps=$(awk -v m="$mpps" 'BEGIN { printf "%d", m * 1000000 }')"
fi
# --preload-pcap: read the file into memory first so disk reads do not pace the replay.
# --netmap would bypass the kernel stack where the driver supports it.
exec tcpreplay --intf1="$iface" --preload-pcap --loop="$loops" $speed --stats=5 "$capture"
