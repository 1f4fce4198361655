// A scripted stand-in for recontap's data plane, for recontapd's integration
// tests: creates the shared-memory region, publishes counters, pushes the
// script's DetectionRecords, goes input_done and waits for the daemon's
// acknowledgement exactly as the real data plane does.
//
//   fake_dataplane --shm NAME --script FILE.json [--timeout S]
//                  [--barrier-file PATH] [--hold-file PATH] [--die-after-push]
//
// Script: {"workers": N, "header": {"steer_drops": 7, ...},
//          "counters": [{"worker": 0, "rx_packets": 10, "malformed": {"name_pointer_loop": 3}}],
//          "records": [{"worker": 0, "ts": 1796303438.5, "detector": "PDNS", "client": "10.0.0.5",
//                       "server": "10.0.0.53", "name": "api.dnsdb.info", "name_hex": "61 00 ff",
//                       "qtype": 1, "rcode": 3, "flags": ["internal_zone"], "detail": "...",
//                       "evidence": {"queries": 5}, "repeat": 3, "step_s": 10}, {"barrier": true}, ...]}
// A barrier waits until everything pushed so far is acknowledged, prints
// "barrier N", then waits for --barrier-file to exist. After the final ack it
// prints "acked N" and, with --hold-file, keeps heartbeating until that file
// exists. --die-after-push exits 3 right after pushing, leaving a stale region.
// Exit: 0 acknowledged, 1 no acknowledgement in time, 2 bad usage or script.
#include "config/config.hpp"
#include "dns/malformed.hpp"
#include "shm/region.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace recontap;
using nlohmann::json;

struct Options {
    std::string shm, script, barrier_file, hold_file;
    double timeout_s = 20;
    bool die_after_push = false;
};

[[noreturn]] void bad(const std::string& why) {
    std::cerr << "fake_dataplane: " << why << "\n";
    std::exit(2);
}

uint8_t detector_index(const std::string& name) {
    for (std::size_t d = 0; d < shm::kDetectorCount; ++d)
        if (name == shm::detector_name(static_cast<shm::Detector>(d))) return uint8_t(d);
    bad("unknown detector '" + name + "'");
}

void set_address(const json& rec, const char* key, uint8_t (&bytes)[16], uint8_t& family) {
    dns::IpAddr a;
    if (!config::parse_ip(rec.at(key).get<std::string>(), a)) bad(std::string("bad address in ") + key);
    std::memcpy(bytes, a.bytes, 16);
    family = a.family;
}

std::string name_bytes(const json& rec) {
    if (rec.contains("name")) return rec["name"].get<std::string>();
    std::string out;
    std::istringstream hex(rec.value("name_hex", ""));
    for (unsigned byte; hex >> std::hex >> byte;) out += char(byte);
    return out;
}

uint16_t flags_of(const json& rec) {
    uint16_t flags = 0;
    const json names = rec.value("flags", json::array());
    for (const auto& f : names) {
        if (f == "internal_zone") flags |= shm::kFlagInternalZone;
        else if (f == "internal_server") flags |= shm::kFlagInternalServer;
        else if (f == "external_client") flags |= shm::kFlagExternalClient;
        else if (f == "misconfig") flags |= shm::kFlagMisconfig;
        else bad("unknown flag " + f.dump());
    }
    return flags;
}

shm::DetectionRecord make_record(const json& rec) {
    shm::DetectionRecord r{};
    r.ts_ns = uint64_t(std::llround(rec.at("ts").get<double>() * 1e9));
    r.window_s = rec.value("window_s", 60u);
    r.window_start_ns = r.ts_ns - uint64_t(r.window_s) * 1'000'000'000ull;
    r.detector = detector_index(rec.at("detector").get<std::string>());
    r.worker = rec.value("worker", uint8_t(0));
    r.flags = flags_of(rec);
    set_address(rec, "client", r.client, r.client_family);
    set_address(rec, "server", r.server, r.server_family);
    r.client_port = rec.value("client_port", uint16_t(40000));
    r.server_port = rec.value("server_port", uint16_t(53));
    r.transport = rec.value("transport", std::string("udp")) == "tcp" ? 6 : 17;
    r.qtype = rec.value("qtype", uint16_t(1));
    r.qclass = rec.value("qclass", uint16_t(1));
    r.rcode = rec.value("rcode", uint16_t(0));
    r.rule_id = rec.value("rule_id", 0u);
    std::strncpy(r.detail, rec.value("detail", std::string()).c_str(), sizeof r.detail - 1);
    std::string name = name_bytes(rec);
    r.sample_len = uint16_t(std::min(name.size(), sizeof r.sample_name));
    std::memcpy(r.sample_name, name.data(), r.sample_len);
    const json evidence = rec.value("evidence", json::object()); // named: items() must not outlive it
    for (const auto& [key, value] : evidence.items()) r.add_evidence(key.c_str(), value.get<uint64_t>());
    return r;
}

void publish_counters(const shm::RegionView& view, const json& script) {
    const json counters = script.value("counters", json::array());
    for (const auto& c : counters) {
        shm::WorkerCountersData d{};
        uint32_t w = c.at("worker").get<uint32_t>();
        if (w >= view.header().n_workers) bad("counters for worker " + std::to_string(w) + " out of range");
        d.rx_packets = c.value("rx_packets", uint64_t(0));
        d.dns_queries = c.value("dns_queries", uint64_t(0));
        d.dns_responses = c.value("dns_responses", uint64_t(0));
        d.clients_evicted = c.value("clients_evicted", uint64_t(0));
        d.event_ring_drops = c.value("event_ring_drops", uint64_t(0));
        const json malformed = c.value("malformed", json::object());
        for (const auto& [reason, count] : malformed.items()) {
            std::size_t m = 1;
            while (m < dns::kMalformedCount && dns::malformed_name(static_cast<dns::Malformed>(m)) != reason) ++m;
            if (m == dns::kMalformedCount) bad("unknown malformed reason " + reason);
            d.malformed[m] = count.get<uint64_t>();
            d.malformed_total += d.malformed[m];
        }
        view.counters(w).publish(d);
    }
    const json header = script.value("header", json::object());
    view.header().steer_drops.store(header.value("steer_drops", uint64_t(0)));
    view.header().rx_missed.store(header.value("rx_missed", uint64_t(0)));
    view.header().rx_packets.store(header.value("rx_packets", uint64_t(0)));
}

class Fake {
public:
    Fake(shm::Region region, double timeout_s) : region_(std::move(region)), timeout_s_(timeout_s) {}

    void heartbeat() { region_.header().dataplane_heartbeat_ns.store(shm::monotonic_ns()); }

    // Waits (heartbeating) until pred holds; false after the timeout.
    template <class Pred>
    bool wait_for(Pred pred) {
        uint64_t deadline = shm::monotonic_ns() + uint64_t(timeout_s_ * 1e9);
        while (!pred()) {
            if (shm::monotonic_ns() > deadline) return false;
            heartbeat();
            usleep(10'000);
        }
        return true;
    }
    uint64_t pushed() const {
        uint64_t sum = 0;
        for (uint32_t w = 0; w < region_.header().n_workers; ++w) sum += region_.view().events(w).head.load();
        return sum;
    }
    bool acked() const {
        const shm::RegionHeader& h = region_.header();
        return h.daemon_boot_id.load() == h.boot_id && h.daemon_delivered.load() == pushed();
    }
    // A full ring waits for the daemon (a real data plane would drop): tests want every record.
    bool push(const shm::DetectionRecord& r) {
        shm::EventRing& ring = region_.view().events(r.worker % region_.header().n_workers);
        return wait_for([&] { return ring.head.load() - ring.tail.load() < shm::kEventRingSlots; }) &&
               ring.try_push(r);
    }
    shm::Region& region() { return region_; }

private:
    shm::Region region_;
    double timeout_s_;
};

Options parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&] {
            if (i + 1 >= argc) bad(a + " needs a value");
            return std::string(argv[++i]);
        };
        if (a == "--shm") o.shm = value();
        else if (a == "--script") o.script = value();
        else if (a == "--timeout") o.timeout_s = std::stod(value());
        else if (a == "--barrier-file") o.barrier_file = value();
        else if (a == "--hold-file") o.hold_file = value();
        else if (a == "--die-after-push") o.die_after_push = true;
        else bad("unknown argument " + a);
    }
    if (o.shm.empty() || o.script.empty()) bad("usage: fake_dataplane --shm NAME --script FILE [...]");
    return o;
}

} // namespace

int main(int argc, char** argv) {
    Options o = parse_args(argc, argv);
    json script;
    try {
        std::ifstream in(o.script);
        if (!in) bad("cannot read " + o.script);
        script = json::parse(in);
    } catch (const json::exception& e) {
        bad(o.script + ": " + e.what());
    }
    Fake fake(shm::Region::create(o.shm, script.value("workers", 1u)), o.timeout_s);
    const shm::RegionView& view = fake.region().view();
    publish_counters(view, script);
    std::vector<uint64_t> seq(view.header().n_workers, 0);
    view.header().dataplane_state.store(uint32_t(shm::DataplaneState::running));
    auto file_exists = [](const std::string& p) { return std::filesystem::exists(p); };
    try {
        const json records = script.value("records", json::array());
        for (const json& rec : records) {
            if (rec.value("barrier", false)) {
                bool ok = fake.wait_for([&] { return fake.acked(); });
                if (ok) std::cout << "barrier " << fake.pushed() << std::endl;
                if (ok && !o.barrier_file.empty()) ok = fake.wait_for([&] { return file_exists(o.barrier_file); });
                if (!ok) {
                    std::cerr << "fake_dataplane: barrier not passed within " << o.timeout_s << " s\n";
                    return 1;
                }
                continue;
            }
            shm::DetectionRecord r = make_record(rec);
            r.worker = uint8_t(r.worker % view.header().n_workers);
            int repeat = rec.value("repeat", 1);
            double step_s = rec.value("step_s", 0.0);
            for (int i = 0; i < repeat; ++i) {
                shm::DetectionRecord copy = r;
                copy.seq = ++seq[r.worker];
                copy.ts_ns += uint64_t(std::llround(step_s * i * 1e9));
                if (!fake.push(copy)) return std::cerr << "fake_dataplane: ring stayed full\n", 1;
            }
        }
    } catch (const std::exception& e) {
        bad(std::string("bad record: ") + e.what());
    }
    if (o.die_after_push) {
        std::cout << "died " << fake.pushed() << std::endl;
        std::_Exit(3); // no unlink, state left running: a stale region
    }
    view.header().dataplane_state.store(uint32_t(shm::DataplaneState::input_done));
    if (!fake.wait_for([&] { return fake.acked(); })) {
        std::cerr << "fake_dataplane: " << fake.pushed() << " record(s) pushed, daemon acknowledged "
                  << view.header().daemon_delivered.load() << " (boot id "
                  << (view.header().daemon_boot_id.load() == view.header().boot_id ? "ours" : "not ours")
                  << ") within " << o.timeout_s << " s\n";
        shm::Region::unlink(o.shm);
        return 1;
    }
    std::cout << "acked " << fake.pushed() << std::endl;
    if (!o.hold_file.empty()) fake.wait_for([&] { return file_exists(o.hold_file); });
    view.header().dataplane_state.store(uint32_t(shm::DataplaneState::stopped));
    shm::Region::unlink(o.shm);
    return 0;
}
