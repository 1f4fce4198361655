#!/bin/sh
# Prepare a host for recontap on real NICs: reserve and mount 2 MiB hugepages,
# load vfio-pci and bind the given PCI devices to it. Not used by the tests
# (offline runs use --no-huge and net_pcap). Run as root.
#
#   drivers-config/hugepages.sh [-n PAGES] [PCI_ADDRESS ...]
#   drivers-config/hugepages.sh -n 2048 0000:af:00.0 0000:af:00.1
#
# mlx5 NICs stay on their kernel driver: give no address for them.
set -eu

pages=1024
if [ "${1:-}" = "-n" ]; then
    pages=$2
    shift 2
fi
mnt=/dev/hugepages

echo "$pages" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
got=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
if [ "$got" -lt "$pages" ]; then
    echo "hugepages.sh: asked for $pages 2 MiB pages, the kernel gave $got (memory fragmented? reserve at boot: hugepages=$pages)" >&2
    exit 1
fi
mkdir -p "$mnt"
mountpoint -q "$mnt" || mount -t hugetlbfs nodev "$mnt"
echo "hugepages: $got x 2 MiB on $mnt"

[ $# -eq 0 ] && exit 0
command -v dpdk-devbind.py >/dev/null || { echo "hugepages.sh: dpdk-devbind.py not found (Debian: dpdk package)" >&2; exit 1; }
modprobe vfio-pci
for dev in "$@"; do
    dpdk-devbind.py --bind=vfio-pci "$dev"
done
dpdk-devbind.py --status-dev net
