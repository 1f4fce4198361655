// recontapd's side of the control ring against a scripted responder thread.
#include "mgmt/dataplane_control.hpp"
#include "shm/region.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

using namespace recontap;
using nlohmann::json;

namespace {

struct Fixture : ::testing::Test {
    std::string name = "/recontap-dpctl-test-" + std::to_string(getpid());
    shm::Region region = shm::Region::create(name, 1);
    mgmt::DataplaneControl control;
    ~Fixture() override { shm::Region::unlink(name); }

    void push_reply(uint64_t id, const char* verb, const char* body) {
        shm::ControlMessage m{};
        m.id = id;
        std::snprintf(m.verb, sizeof m.verb, "%s", verb);
        std::snprintf(m.body, sizeof m.body, "%s", body);
        ASSERT_TRUE(region.view().replies().try_push(m));
    }
};

} // namespace

TEST_F(Fixture, NoAnswerTimesOutWhileTheCallerKeepsWorking) {
    int turns = 0;
    json r = control.request(region.view(), "ping", json::object(), std::chrono::milliseconds(100), [&] { ++turns; });
    EXPECT_EQ(r, (json{{"ok", false},
                       {"error", "no reply from the data plane within 0.1 s to 'ping'; it may still take effect "
                                 "(recontapctl status shows the rules and thresholds generations)"}}));
    EXPECT_GE(turns, 5); // the event rings were drained meanwhile, not blocked behind the wait
    shm::ControlMessage sent{};
    ASSERT_TRUE(region.view().control().try_pop(sent));
    EXPECT_STREQ(sent.verb, "ping");
    EXPECT_STREQ(sent.body, "{}");
    EXPECT_NE(sent.id, 0u);
}

TEST_F(Fixture, TakesTheReplyWithItsIdAndLearnsFromInfoOnTheWay) {
    std::atomic<bool> done{false};
    std::thread dataplane([&] {
        shm::ControlMessage req{};
        while (!region.view().control().try_pop(req)) usleep(100);
        push_reply(req.id + 1000, "rules-test", R"({"ok":true,"stale":true})"); // an older request's reply
        push_reply(0, "info", R"({"ok":true,"rules_generation":3,"rules":42,"thresholds_generation":2})");
        push_reply(req.id, "rules-test", R"({"ok":true,"matches":[]})");
        done = true;
    });
    json r = control.request(region.view(), "rules-test", {{"name", "crt.sh"}}, std::chrono::seconds(5), [] {});
    dataplane.join();
    EXPECT_EQ(r, (json{{"ok", true}, {"matches", json::array()}}));
    EXPECT_EQ(control.late_replies(), 1u);
    const mgmt::DataplaneSettings& s = control.settings();
    EXPECT_TRUE(s.known);
    EXPECT_EQ(s.rules_generation, 3u);
    EXPECT_EQ(s.rules, 42u);
    EXPECT_EQ(s.thresholds_generation, 2u);
    control.forget();
    EXPECT_FALSE(control.settings().known);
}

TEST_F(Fixture, RefusesWhatDoesNotFitAndRepliesThatAreNotJson) {
    json r = control.request(region.view(), "rules-test", {{"name", std::string(500, 'a')}},
                             std::chrono::milliseconds(50), [] {});
    EXPECT_EQ(r["error"], "request too long for a control message (511 bytes, at most 471)");
    shm::ControlMessage none{};
    EXPECT_FALSE(region.view().control().try_pop(none)); // nothing was sent

    std::thread dataplane([&] {
        shm::ControlMessage req{};
        while (!region.view().control().try_pop(req)) usleep(100);
        shm::ControlMessage m{};
        m.id = req.id;
        std::memset(m.verb, 'x', sizeof m.verb); // no NUL anywhere
        std::memset(m.body, '{', sizeof m.body);
        region.view().replies().try_push(m);
    });
    r = control.request(region.view(), "thresholds", json::object(), std::chrono::seconds(5), [] {});
    dataplane.join();
    EXPECT_EQ(r["error"], "the data plane sent a reply that is not a JSON object");
}
