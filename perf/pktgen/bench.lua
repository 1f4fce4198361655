-- pktgen-dpdk script: replay a recontap-gen capture from port 0 towards the
-- appliance's tap port at a fixed rate, for perf/README.md's hardware runs.
--
--   perf/pktgen/run-pktgen CAPTURE [RATE_PERCENT] [SECONDS]
-- which starts:
--   pktgen -l 0-2 -n 4 -a <PCI> -- -P -m "[1:2].0" -s 0:CAPTURE -f perf/pktgen/bench.lua
--
-- `-s 0:FILE` loads the pcap into port 0 (pktgen's PCAP mode); this script
-- sets the rate, sends for BENCH_SECONDS and prints what was sent.
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local port = "0"
local rate = tonumber(os.getenv("BENCH_RATE") or "100")      -- percent of line rate
local seconds = tonumber(os.getenv("BENCH_SECONDS") or "30")

pktgen.stop(port)
pktgen.clr()
pktgen.pcap(port, "on")          -- transmit the loaded capture, looping over it
pktgen.set(port, "rate", rate)
pktgen.start(port)
pktgen.delay(seconds * 1000)
pktgen.stop(port)
pktgen.delay(1000)

local st = pktgen.portStats(port, "port")[tonumber(port)]
printf("sent %d packets, %d bytes in %d s at %d%% of line rate (%.3f Mpps)\n",
       st.opackets, st.obytes, seconds, rate, st.opackets / seconds / 1e6)
pktgen.quit()
