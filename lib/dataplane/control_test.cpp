// LiveSettings (RCU publication of rules and thresholds) and ControlPlane
// (the main lcore's answers on the control ring), without EAL or ports.
#include "dataplane/control.hpp"
#include "dataplane/live_settings.hpp"
#include "shm/region.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace recontap;
using namespace recontap::dataplane;
using nlohmann::json;

namespace {

std::shared_ptr<const rules::RuleSet> small_rules() { return rules::RuleSet::from_text("crt.sh\n", "vpn\n"); }

} // namespace

TEST(LiveSettings, PublishesNewBundlesWithGenerations) {
    LiveSettings live(2, small_rules(), config::Detectors{});
    EXPECT_EQ(live.current()->sequence, 1u);
    EXPECT_EQ(live.current()->rules_generation, 1u);
    ASSERT_EQ(live.current()->scratch.size(), 2u);
    EXPECT_NE(live.current()->scratch[1], nullptr);
    config::Detectors t;
    t.bulk_queries = 7;
    live.publish_thresholds(t);
    EXPECT_EQ(live.current()->sequence, 2u);
    EXPECT_EQ(live.current()->rules_generation, 1u);
    EXPECT_EQ(live.current()->thresholds_generation, 2u);
    EXPECT_EQ(live.current()->thresholds.bulk_queries, 7u);
    live.publish_rules(rules::RuleSet::from_text("crt.sh\nnew.example\n", ""));
    EXPECT_EQ(live.current()->sequence, 3u);
    EXPECT_EQ(live.current()->rules_generation, 2u);
    EXPECT_EQ(live.current()->thresholds.bulk_queries, 7u); // carried over
    EXPECT_EQ(live.current()->rules->size(), 2u);
    EXPECT_EQ(live.reclaim(), 0u); // no worker online: nothing to wait for
}

TEST(LiveSettings, FreesARetiredBundleOnlyAfterEveryOnlineWorkerPassedAQuiescentPoint) {
    LiveSettings live(2, small_rules(), config::Detectors{});
    live.worker_online(0);
    live.worker_online(1);
    live.publish_thresholds(config::Detectors{});
    EXPECT_EQ(live.reclaim(), 1u);
    live.quiescent(0);
    EXPECT_EQ(live.reclaim(), 1u); // worker 1 may still read the old bundle
    live.quiescent(1);
    EXPECT_EQ(live.reclaim(), 0u);
    live.publish_thresholds(config::Detectors{});
    live.quiescent(0);
    live.worker_offline(1); // an offline worker is not waited for
    EXPECT_EQ(live.reclaim(), 0u);
}

// A worker thread follows publications as Worker::run does (quiescent, then
// read the bundle, swap scratch); every rule set it adopts must match.
TEST(LiveSettings, WorkerThreadAdoptsEveryPublicationWhileTheMainThreadReclaims) {
    LiveSettings live(1, small_rules(), config::Detectors{});
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> adopted{0}, wrong{0};
    rules::Matcher matcher(live.published().rules);
    live.worker_online(0);
    std::thread worker([&] {
        uint64_t seen = live.current()->sequence, gen = live.current()->rules_generation;
        while (!stop.load()) {
            live.quiescent(0);
            LiveBundle* b = live.current();
            if (b->sequence == seen) continue;
            if (b->rules_generation != gen) {
                b->scratch[0] = matcher.adopt(b->rules, b->scratch[0]);
                gen = b->rules_generation;
                const std::string name = "n" + std::to_string(gen) + ".example";
                if (!matcher.match(name).has(rules::Category::pdns)) ++wrong;
                adopted.fetch_add(1);
            }
            seen = b->sequence;
        }
        live.worker_offline(0);
    });
    for (uint64_t g = 2; g <= 40; ++g) {
        live.publish_rules(rules::RuleSet::from_text("n" + std::to_string(g) + ".example\n", ""));
        for (int i = 0; i < 2000 && live.reclaim() > 0; ++i) usleep(100);
        EXPECT_EQ(live.reclaim(), 0u) << "generation " << g << " never reclaimed";
    }
    while (live.current()->rules_generation != 40 || adopted.load() == 0) usleep(100);
    stop.store(true);
    worker.join();
    EXPECT_EQ(wrong.load(), 0u);
    EXPECT_GE(adopted.load(), 1u);
    EXPECT_TRUE(matcher.match("n40.example").has(rules::Category::pdns));
}

class ControlPlaneTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() / ("recontap-control-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        write("pdns.rules", "api.securitytrails.com\n*.oastify.com\n");
        write("sens.rules", "vpn\n");
        cfg.rules.pdns = (dir / "pdns.rules").string();
        cfg.rules.sensitive = (dir / "sens.rules").string();
        shm_name = "/recontap-control-test-" + std::to_string(getpid());
        region = shm::Region::create(shm_name, 1);
        live = std::make_unique<LiveSettings>(1, rules::RuleSet::load(cfg.rules.pdns, cfg.rules.sensitive),
                                              cfg.detectors);
        control = std::make_unique<ControlPlane>(cfg, *live, region.view());
        shm::ControlMessage notice{};
        ASSERT_TRUE(region.view().replies().try_pop(notice)); // the start-up "info"
        EXPECT_EQ(notice.id, 0u);
        EXPECT_STREQ(notice.verb, "info");
    }
    void TearDown() override {
        control.reset();
        live.reset();
        shm::Region::unlink(shm_name);
        std::filesystem::remove_all(dir);
    }
    void write(const char* name, const std::string& text) { std::ofstream(dir / name) << text; }
    json ask(const char* verb, const std::string& body) {
        shm::ControlMessage m{};
        m.id = 42;
        std::snprintf(m.verb, sizeof m.verb, "%s", verb);
        std::snprintf(m.body, sizeof m.body, "%s", body.c_str());
        return control->answer(m);
    }
    // Sends a request through the ring and polls until its reply comes back.
    json round_trip(uint64_t id, const char* verb) {
        shm::ControlMessage m{};
        m.id = id;
        std::snprintf(m.verb, sizeof m.verb, "%s", verb);
        EXPECT_TRUE(region.view().control().try_push(m));
        for (int i = 0; i < 3000; ++i) {
            control->poll();
            shm::ControlMessage r{};
            while (region.view().replies().try_pop(r))
                if (r.id == id) return json::parse(r.body);
            usleep(1000);
        }
        return {{"ok", false}, {"error", "test: no reply"}};
    }

    std::filesystem::path dir;
    config::Config cfg;
    std::string shm_name;
    shm::Region region;
    std::unique_ptr<LiveSettings> live;
    std::unique_ptr<ControlPlane> control;
};

TEST_F(ControlPlaneTest, RulesTestNamesEveryMatchingRuleWithFileAndLine) {
    json r = ask("rules-test", R"({"name":"x.oastify.com."})");
    ASSERT_TRUE(r["ok"]) << r;
    EXPECT_EQ(r["generation"], 1);
    ASSERT_EQ(r["matches"].size(), 1u);
    EXPECT_EQ(r["matches"][0]["category"], "pdns");
    EXPECT_EQ(r["matches"][0]["file"], cfg.rules.pdns);
    EXPECT_EQ(r["matches"][0]["line"], 2);
    EXPECT_EQ(r["matches"][0]["text"], "*.oastify.com");
    EXPECT_TRUE(ask("rules-test", R"({"name":"www.example.com"})")["matches"].empty());
    EXPECT_EQ(ask("rules-test", R"({"nom":"x"})")["error"], "rules-test needs a string \"name\"");
    EXPECT_EQ(ask("rules-test", R"({"name":")" + std::string(300, 'a') + "\"}")["error"],
              "a name is 1 to 253 characters");
}

TEST_F(ControlPlaneTest, BadRequestsGetErrorsNotCrashes) {
    EXPECT_EQ(ask("reboot", "")["error"],
              "unknown verb 'reboot' (ping, info, rules-test, rules-reload, thresholds, thresholds-set)");
    EXPECT_EQ(ask("rules-test", "{not json")["error"], "request body is not a JSON object");
    EXPECT_EQ(ask("rules-test", "[1,2]")["error"], "request body is not a JSON object");
    shm::ControlMessage m{}; // verb and body without a NUL anywhere
    std::memset(m.verb, 'v', sizeof m.verb);
    std::memset(m.body, '{', sizeof m.body);
    EXPECT_FALSE(control->answer(m)["ok"]);
    EXPECT_TRUE(ask("ping", "")["ok"]);
}

TEST_F(ControlPlaneTest, ReloadKeepsTheOldRulesOnErrorAndPublishesGoodOnes) {
    write("pdns.rules", "api.securitytrails.com\n*.oastify.com\nre:([a-z\n");
    json bad = round_trip(7, "rules-reload");
    EXPECT_FALSE(bad["ok"]);
    EXPECT_EQ(bad["error"].get<std::string>().rfind(cfg.rules.pdns + ":3: ", 0), 0u) << bad;
    EXPECT_EQ(bad["generation"], 1);
    EXPECT_EQ(ask("rules-test", R"({"name":"a.oastify.com"})")["matches"].size(), 1u);

    write("pdns.rules", "api.securitytrails.com\n*.oastify.com\nnew-provider.example\n");
    json good = round_trip(8, "rules-reload");
    ASSERT_TRUE(good["ok"]) << good;
    EXPECT_EQ(good["generation"], 2);
    EXPECT_EQ(good["rules"], 4);
    EXPECT_EQ(good["pdns"], 3);
    EXPECT_EQ(good["sensitive"], 1);
    EXPECT_GE(good["compile_ms"].get<double>(), 0.0);
    json hit = ask("rules-test", R"({"name":"new-provider.example"})");
    EXPECT_EQ(hit["generation"], 2);
    ASSERT_EQ(hit["matches"].size(), 1u);
    EXPECT_EQ(hit["matches"][0]["line"], 3);
    EXPECT_EQ(live->current()->rules_generation, 2u);
}

TEST_F(ControlPlaneTest, ThresholdsShowAndSetWithTheLoadersChecks) {
    json shown = ask("thresholds", "");
    EXPECT_EQ(shown["thresholds"]["bulk_queries"], 1000);
    EXPECT_EQ(shown["thresholds"]["nxd_ratio"], 0.5);
    EXPECT_FALSE(shown["thresholds"].contains("suppress_s")); // recontapd's
    json set = ask("thresholds-set", R"({"key":"bulk_queries","value":"250"})");
    ASSERT_TRUE(set["ok"]) << set;
    EXPECT_EQ(set["value"], 250);
    EXPECT_EQ(set["generation"], 2);
    EXPECT_EQ(live->current()->thresholds.bulk_queries, 250u);
    EXPECT_EQ(ask("thresholds-set", R"({"key":"bulk_queries","value":"0"})")["error"],
              "[detectors] bulk_queries: must be from 1 to 4294967295, got 0");
    EXPECT_EQ(ask("thresholds-set", R"({"key":"suppress_s","value":"5"})")["error"],
              "[detectors] suppress_s is applied by recontapd");
    EXPECT_EQ(live->current()->thresholds.bulk_queries, 250u);
    EXPECT_EQ(ask("thresholds", "")["generation"], 2);
}
