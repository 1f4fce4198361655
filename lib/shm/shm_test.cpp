#include "shm/region.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

using namespace recontap::shm;

namespace {
std::string test_name() { return "/recontap-shmtest-" + std::to_string(getpid()); }
}

TEST(Shm, CreateThenAttachSeesSameHeader) {
    auto name = test_name();
    Region made = Region::create(name, 3);
    std::string why;
    Region seen = Region::attach(name, why);
    ASSERT_TRUE(seen) << why;
    EXPECT_EQ(seen.header().boot_id, made.header().boot_id);
    EXPECT_EQ(seen.header().n_workers, 3u);
    Region::unlink(name);
}

TEST(Shm, AttachRefusesMismatchedVersion) {
    auto name = test_name();
    Region made = Region::create(name, 1);
    made.header().layout_version = kLayoutVersion + 1;
    std::string why;
    Region seen = Region::attach(name, why);
    EXPECT_FALSE(seen);
    EXPECT_NE(why.find("layout version"), std::string::npos) << why;
    Region::unlink(name);
}

TEST(Shm, AttachMissingSaysSo) {
    std::string why;
    Region seen = Region::attach("/recontap-does-not-exist-" + std::to_string(getpid()), why);
    EXPECT_FALSE(seen);
    EXPECT_NE(why.find("no shared-memory region"), std::string::npos) << why;
}

TEST(Shm, FullRingDropsAndCounts) {
    auto name = test_name();
    Region made = Region::create(name, 1);
    EventRing& ring = made.view().events(0);
    DetectionRecord rec{};
    for (uint32_t i = 0; i < kEventRingSlots; ++i) {
        rec.seq = i + 1;
        ASSERT_TRUE(ring.try_push(rec));
    }
    EXPECT_FALSE(ring.try_push(rec));
    EXPECT_FALSE(ring.try_push(rec));
    EXPECT_EQ(ring.dropped.load(), 2u);
    DetectionRecord out{};
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out.seq, 1u);
    Region::unlink(name);
}

TEST(Shm, RingPreservesOrderAcrossThreads) {
    auto name = test_name();
    Region made = Region::create(name, 1);
    EventRing& ring = made.view().events(0);
    constexpr uint64_t kCount = 100000;
    std::thread producer([&] {
        DetectionRecord rec{};
        for (uint64_t i = 1; i <= kCount;) {
            rec.seq = i;
            if (ring.head.load() - ring.tail.load() < kEventRingSlots && ring.try_push(rec)) ++i;
        }
    });
    uint64_t expect = 1;
    DetectionRecord out{};
    while (expect <= kCount) {
        if (ring.try_pop(out)) {
            ASSERT_EQ(out.seq, expect++);
        }
    }
    producer.join();
    EXPECT_EQ(ring.dropped.load(), 0u);
    Region::unlink(name);
}

TEST(Shm, SeqlockReaderSeesConsistentSnapshot) {
    auto name = test_name();
    Region made = Region::create(name, 1);
    WorkerCounters& c = made.view().counters(0);
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        WorkerCountersData d{};
        for (uint64_t i = 1; !stop.load(); ++i) {
            d.rx_packets = i;
            d.dns_queries = i;
            c.publish(d);
        }
    });
    for (int i = 0; i < 10000; ++i) {
        WorkerCountersData d{};
        if (c.read(d)) {
            ASSERT_EQ(d.rx_packets, d.dns_queries);
        }
    }
    stop = true;
    writer.join();
    Region::unlink(name);
}
