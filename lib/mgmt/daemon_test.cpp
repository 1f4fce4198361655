#include "mgmt/daemon.hpp"
#include "mgmt/test_records.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace recontap;
using namespace recontap::mgmt;
using mgmt::testing::record;
using nlohmann::json;
using shm::Detector;

namespace {

struct Fixture {
    std::string dir = ::testing::TempDir() + "daemon-test-" + std::to_string(getpid());
    std::string shm_name = "/recontap-dtest-" + std::to_string(getpid());
    std::ostringstream log;
    DaemonOptions options;

    Fixture() {
        options.shm_name = shm_name;
        options.socket_path = dir + "/ctl.sock";
        options.eve_path = dir + "/log/eve.json";
    }
    ~Fixture() {
        shm::Region::unlink(shm_name);
        std::filesystem::remove_all(dir);
    }
    std::unique_ptr<Daemon> daemon() {
        auto d = std::make_unique<Daemon>(options, log);
        std::string why;
        EXPECT_TRUE(d->start(why)) << why;
        return d;
    }
    shm::Region dataplane(uint32_t workers) {
        shm::Region r = shm::Region::create(shm_name, workers);
        r.header().dataplane_state.store(uint32_t(shm::DataplaneState::running));
        return r;
    }
    std::vector<json> eve_lines() const {
        std::vector<json> out;
        std::ifstream in(options.eve_path);
        for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
        return out;
    }
};

// Steps the daemon until pred holds or about two seconds pass.
template <class Pred>
bool step_until(Daemon& d, Pred pred) {
    for (int i = 0; i < 100; ++i) {
        if (pred()) return true;
        d.step(-1);
    }
    return pred();
}

} // namespace

TEST(Daemon, DrainsWritesThenAcknowledges) {
    Fixture f;
    shm::Region dp = f.dataplane(2);
    auto d = f.daemon();
    dp.view().events(0).try_push(record(Detector::PDNS, 1, 0));
    dp.view().events(1).try_push(record(Detector::NXD, 2, 0));
    dp.view().events(1).try_push(record(Detector::NXD, 2, 5)); // repeat: suppressed, still delivered
    shm::RegionHeader& h = dp.header();
    ASSERT_TRUE(step_until(*d, [&] { return h.daemon_delivered.load() == 3; })) << f.log.str();
    EXPECT_EQ(h.daemon_boot_id.load(), h.boot_id);
    EXPECT_EQ(h.daemon_pid.load(), getpid());
    EXPECT_GT(h.daemon_heartbeat_ns.load(), 0u);
    auto lines = f.eve_lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(dp.view().events(1).tail.load(), 2u);

    json status = d->handle({{"cmd", "status"}});
    EXPECT_EQ(status["dataplane"]["attached"], true);
    EXPECT_EQ(status["dataplane"]["state"], "running");
    EXPECT_EQ(status["dataplane"]["workers"], 2);
    EXPECT_EQ(status["totals"]["records_taken"], 3);
    EXPECT_EQ(status["totals"]["alerts"], 2);
    EXPECT_EQ(status["totals"]["suppressed"], 1);
    json detections = d->handle({{"cmd", "detections"}, {"limit", 1}});
    ASSERT_EQ(detections["detections"].size(), 1u);
    json top = d->handle({{"cmd", "top"}});
    EXPECT_EQ(top["top"].size(), 2u);
    EXPECT_EQ(d->handle({{"cmd", "top"}, {"limit", -1}})["ok"], false);
    EXPECT_EQ(d->handle({{"cmd", "bogus"}})["ok"], false);
}

TEST(Daemon, StatsShowCountersAndDrops) {
    Fixture f;
    shm::Region dp = f.dataplane(1);
    shm::WorkerCountersData c{};
    c.rx_packets = 1234;
    c.malformed[size_t(dns::Malformed::name_pointer_loop)] = 3;
    c.malformed_total = 3;
    dp.view().counters(0).publish(c);
    dp.header().steer_drops.store(7);
    shm::DetectionRecord r = record(Detector::RARE, 1, 0);
    for (uint32_t i = 0; i < shm::kEventRingSlots + 5; ++i) dp.view().events(0).try_push(r);
    auto d = f.daemon();
    ASSERT_TRUE(step_until(*d, [&] { return dp.header().daemon_delivered.load() == shm::kEventRingSlots; }));
    json stats = d->handle({{"cmd", "stats"}});
    EXPECT_EQ(stats["workers"][0]["packets"], 1234);
    EXPECT_EQ(stats["workers"][0]["malformed"]["name_pointer_loop"], 3);
    EXPECT_EQ(stats["workers"][0]["malformed"]["l2_truncated"], 0);
    EXPECT_EQ(stats["totals"]["malformed"]["name_pointer_loop"], 3);
    EXPECT_EQ(stats["drops"]["event_ring"], 5);
    EXPECT_EQ(stats["drops"]["steer"], 7);
    EXPECT_EQ(stats["daemon"]["records_taken"], shm::kEventRingSlots);
    EXPECT_EQ(stats["daemon"]["alerts_written"], 1); // the rest are repeats
    EXPECT_EQ(stats["daemon"]["commits"], shm::kEventRingSlots / kDrainBatch);
}

TEST(Daemon, FollowsANewBootAndResumesAfterRestart) {
    Fixture f;
    {
        shm::Region first = f.dataplane(1);
        first.view().events(0).try_push(record(Detector::NXD, 1, 0));
        auto d = f.daemon();
        ASSERT_TRUE(step_until(*d, [&] { return first.header().daemon_delivered.load() == 1; }));
        shm::Region second = f.dataplane(1); // same name, new boot
        second.view().events(0).try_push(record(Detector::SENS, 2, 0));
        second.view().events(0).try_push(record(Detector::SENS, 3, 0));
        ASSERT_TRUE(step_until(*d, [&] { return second.header().daemon_delivered.load() == 2; })) << f.log.str();
        EXPECT_EQ(second.header().daemon_boot_id.load(), second.header().boot_id);
        EXPECT_EQ(d->handle({{"cmd", "stats"}})["daemon"]["boots_attached"], 2);
    } // daemon gone (as after a crash: its pid stays in the header but is ours, and alive)
    shm::Region dp = f.dataplane(1);
    dp.view().events(0).try_push(record(Detector::NXD, 1, 0));
    {
        auto d = f.daemon();
        ASSERT_TRUE(step_until(*d, [&] { return dp.header().daemon_delivered.load() == 1; }));
    }
    dp.view().events(0).try_push(record(Detector::ENUM, 1, 10));
    auto again = f.daemon();
    ASSERT_TRUE(step_until(*again, [&] { return dp.header().daemon_delivered.load() == 2; }));
    EXPECT_EQ(f.eve_lines().size(), 5u); // 1 + 2 + 1 + 1: nothing repeated, nothing lost
}

TEST(Daemon, OnceExitsWhenInputIsDelivered) {
    Fixture f;
    f.options.once = true;
    shm::Region dp = f.dataplane(2);
    dp.view().events(1).try_push(record(Detector::BULK, 9, 0));
    dp.header().dataplane_state.store(uint32_t(shm::DataplaneState::input_done));
    auto d = f.daemon();
    EXPECT_EQ(d->run(-1), 0);
    EXPECT_EQ(dp.header().daemon_delivered.load(), 1u);
    EXPECT_EQ(dp.header().daemon_pid.load(), 0); // left: a later daemon may take over at once
    auto lines = f.eve_lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0]["alert"]["metadata"]["tier"][0], "2");
}

TEST(Daemon, NothingIsAcknowledgedUntilTheAlertsAreOnDisk) {
    Fixture f;
    f.options.eve_path = "/dev/full"; // every write fails: ENOSPC
    shm::Region dp = f.dataplane(1);
    dp.view().events(0).try_push(record(Detector::NXD, 1, 0));
    auto d = f.daemon();
    for (int i = 0; i < 20; ++i) d->step(-1);
    EXPECT_EQ(dp.view().events(0).tail.load(), 0u);
    EXPECT_EQ(dp.header().daemon_delivered.load(), 0u);
    json stats = d->handle({{"cmd", "stats"}});
    EXPECT_GE(stats["daemon"]["commit_failures"], 1);
    EXPECT_EQ(stats["daemon"]["records_taken"], 0);
    EXPECT_EQ(d->handle({{"cmd", "detections"}})["detections"].size(), 0u); // shown only once written
    EXPECT_NE(f.log.str().find("cannot write alerts, will retry"), std::string::npos) << f.log.str();
}

TEST(Daemon, ReportsWhyTheDataPlaneIsDetached) {
    Fixture f;
    shm::Region dp = f.dataplane(1);
    auto d = f.daemon();
    d->step(-1);
    EXPECT_EQ(d->handle({{"cmd", "status"}})["dataplane"]["attached"], true);
    dp.header().dataplane_heartbeat_ns.store(shm::monotonic_ns() - 5 * mgmt::testing::kSecond);
    json status = d->handle({{"cmd", "status"}});
    EXPECT_EQ(status["dataplane"]["attached"], false);
    EXPECT_EQ(status["dataplane"]["reason"].get<std::string>().rfind("data plane heartbeat stale for 5", 0), 0u)
        << status["dataplane"];
    dp.header().dataplane_state.store(uint32_t(shm::DataplaneState::stopped));
    EXPECT_EQ(d->handle({{"cmd", "status"}})["dataplane"]["reason"], "data plane stopped");
}

TEST(Daemon, StaysOffARegionAnotherDaemonConsumes) {
    Fixture f;
    shm::Region dp = f.dataplane(1);
    dp.header().daemon_pid.store(getppid()); // alive, not us
    dp.header().daemon_heartbeat_ns.store(shm::monotonic_ns());
    dp.view().events(0).try_push(record(Detector::NXD, 1, 0));
    auto d = f.daemon();
    for (int i = 0; i < 20; ++i) d->step(-1);
    EXPECT_EQ(dp.view().events(0).tail.load(), 0u);
    EXPECT_NE(f.log.str().find("standing by"), std::string::npos) << f.log.str();
}

// The analysts' commands through Daemon::handle: a watched client's repeats
// all come out Tier 2, the blocklist lists alerted clients with their highest
// tier and watchlist entry, and a new daemon on the same file keeps the list.
TEST(Daemon, WatchlistEscalatesAndBlocklistExports) {
    Fixture f;
    f.options.watchlist_path = f.dir + "/state/watchlist.json";
    shm::Region dp = f.dataplane(1);
    {
        auto d = f.daemon();
        json added = d->handle({{"cmd", "watchlist"}, {"op", "add"}, {"net", "10.0.0.0/30"}, {"note", "insider"}});
        ASSERT_EQ(added["ok"], true) << added.dump();
        EXPECT_EQ(added["watchlist"][0]["net"], "10.0.0.0/30");
        EXPECT_EQ(d->handle({{"cmd", "watchlist"}, {"op", "add"}, {"net", "10.0.0.1/30"}})["error"],
                  "watchlist add: \"10.0.0.1/30\": host bits are set beyond /30 (give the network address)");
        EXPECT_EQ(d->handle({{"cmd", "watchlist"}, {"op", "drop"}})["error"],
                  "watchlist: unknown op 'drop' (list, add, remove)");
        for (uint64_t t : {0, 10, 20}) dp.view().events(0).try_push(record(Detector::NXD, 2, t));
        for (uint64_t t : {0, 10, 20}) dp.view().events(0).try_push(record(Detector::NXD, 9, t));
        ASSERT_TRUE(step_until(*d, [&] { return dp.header().daemon_delivered.load() == 6; })) << f.log.str();
        std::vector<std::pair<std::string, std::string>> got;
        for (const json& a : f.eve_lines()) got.emplace_back(a["src_ip"], a["alert"]["metadata"]["tier"][0]);
        EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                           {"10.0.0.2", "2"}, {"10.0.0.2", "2"}, {"10.0.0.2", "2"}, {"10.0.0.9", "1"}}));
        json block = d->handle({{"cmd", "blocklist"}});
        ASSERT_EQ(block["clients"].size(), 2u) << block.dump();
        EXPECT_EQ(block["clients"][0]["address"], "10.0.0.2");
        EXPECT_EQ(block["clients"][0]["highest_tier"], 2);
        EXPECT_EQ(block["clients"][0]["alerts"], 3);
        EXPECT_EQ(block["clients"][0]["watchlist"], "10.0.0.0/30");
        EXPECT_EQ(block["clients"][1]["watchlist"], nullptr);
        EXPECT_EQ(d->handle({{"cmd", "blocklist"}, {"tier", 1}})["clients"].size(), 1u);
        EXPECT_EQ(d->handle({{"cmd", "blocklist"}, {"since_s", 0}})["ok"], false);
    }
    auto again = f.daemon();
    json listed = again->handle({{"cmd", "watchlist"}});
    ASSERT_EQ(listed["watchlist"].size(), 1u);
    EXPECT_EQ(listed["watchlist"][0]["note"], "insider");
    EXPECT_TRUE(again->handle({{"cmd", "blocklist"}})["clients"].empty()); // alert history is eve.json's
}
