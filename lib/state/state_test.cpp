#include "state/client_table.hpp"
#include "state/distinct_counter.hpp"
#include "state/name_hash.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>

#include <cstring>
#include <string>

using namespace recontap;
using namespace recontap::state;

namespace {
dns::IpAddr v4(uint32_t host_order) {
    dns::IpAddr a{};
    a.family = 4;
    a.bytes[0] = uint8_t(host_order >> 24);
    a.bytes[1] = uint8_t(host_order >> 16);
    a.bytes[2] = uint8_t(host_order >> 8);
    a.bytes[3] = uint8_t(host_order);
    return a;
}
} // namespace

TEST(ClientTable, SameAddressSameState) {
    ClientTable t(1024);
    bool created = false;
    ClientState& a = t.find_or_insert(v4(0x0a000001), 5, created);
    EXPECT_TRUE(created);
    a.queries = 7;
    ClientState& b = t.find_or_insert(v4(0x0a000001), 6, created);
    EXPECT_FALSE(created);
    EXPECT_EQ(&a, &b);
    EXPECT_EQ(b.queries, 7u);
    EXPECT_EQ(t.active(), 1u);
}

TEST(ClientTable, Ipv6AggregatedByPrefix) {
    ClientTable t(1024, 64);
    dns::IpAddr x{}, y{};
    x.family = y.family = 6;
    x.bytes[0] = y.bytes[0] = 0x20;
    x.bytes[15] = 1;
    y.bytes[15] = 2; // same /64, different host
    bool created;
    ClientState& a = t.find_or_insert(x, 1, created);
    ClientState& b = t.find_or_insert(y, 1, created);
    EXPECT_EQ(&a, &b);
    y.bytes[7] = 9; // other /64
    ClientState& c = t.find_or_insert(y, 1, created);
    EXPECT_NE(&a, &c);
}

TEST(ClientTable, SprayKeepsMemoryFlatAndCountsEvictions) {
    ClientTable t(256);
    bool created;
    for (uint32_t i = 0; i < 100000; ++i) t.find_or_insert(v4(0x01000000 + i), i, created);
    EXPECT_LE(t.active(), 256u);
    EXPECT_GE(t.evictions(), 100000u - 256u);
    EXPECT_EQ(t.memory_bytes(), 256 * sizeof(ClientState));
}

TEST(ClientTable, EvictsLeastRecentlySeen) {
    ClientTable t(8); // one probe window covers the whole table
    bool created;
    for (uint32_t i = 0; i < 8; ++i) t.find_or_insert(v4(i + 1), 100 + i, created).last_seen_ns = 100 + i;
    t.find_or_insert(v4(1), 500, created).last_seen_ns = 500; // refresh the first one
    t.find_or_insert(v4(99), 600, created);                   // evicts address 2 (seen at 101)
    EXPECT_EQ(t.evictions(), 1u);
    t.find_or_insert(v4(1), 700, created);
    EXPECT_FALSE(created);
    t.find_or_insert(v4(2), 700, created);
    EXPECT_TRUE(created);
}

TEST(DistinctCounter, EstimatesWithinTenPercent) {
    for (unsigned n : {10u, 50u, 200u, 800u}) {
        DistinctCounter c{};
        c.clear();
        for (unsigned i = 0; i < n; ++i) {
            std::string name = "host" + std::to_string(i) + ".example.com";
            c.add(hash_name_caseless(name));
        }
        EXPECT_NEAR(double(c.estimate()), double(n), 0.1 * n + 2) << n;
    }
}

TEST(DistinctCounter, CaseInsensitiveRepeatsCountOnce) {
    DistinctCounter c{};
    c.clear();
    const char* names[] = {"www.Example.com", "WWW.EXAMPLE.COM", "www.example.com"};
    for (auto n : names) c.add(hash_name_caseless(n));
    EXPECT_EQ(c.estimate(), 1u);
}

TEST(DistinctCounter, AddTellsAFreshBitAndTheTableMatchesTheFormula) {
    DistinctCounter c{};
    c.clear();
    EXPECT_TRUE(c.add(uint64_t(5) << 55));
    EXPECT_FALSE(c.add(uint64_t(5) << 55 | 12345)); // same top bits: same bit
    EXPECT_TRUE(c.add(uint64_t(6) << 55));
    c.clear();
    for (unsigned set = 0; set <= DistinctCounter::kBits; ++set) {
        // set bits 0 .. set-1, then the table's answer must be the formula's
        if (set > 0) c.add(uint64_t(set - 1) << 55);
        ASSERT_EQ(c.set_bits(), set);
        unsigned zeros = DistinctCounter::kBits - set;
        uint32_t formula = zeros == 0 ? DistinctCounter::kBits * 8
                                      : uint32_t(std::lround(-512.0 * std::log(double(zeros) / 512.0)));
        EXPECT_EQ(c.estimate(), formula) << set;
    }
}

TEST(ClientTable, Ipv6SlashSixtyFoursSpreadOverTheTable) {
    // 4,096 /64s of one /48 (bytes 6..7 vary) in a 65,536-slot table: a weak
    // hash put them all in one probe window and evicted nearly every one.
    ClientTable t(65536, 64);
    bool created;
    for (unsigned i = 0; i < 4096; ++i) {
        dns::IpAddr a{};
        a.family = 6;
        a.bytes[0] = 0x20, a.bytes[1] = 0x01, a.bytes[2] = 0x0d, a.bytes[3] = 0xb8;
        a.bytes[6] = uint8_t(i >> 8), a.bytes[7] = uint8_t(i);
        a.bytes[15] = 1;
        t.find_or_insert(a, i, created);
    }
    EXPECT_EQ(t.active(), 4096u);
    EXPECT_EQ(t.evictions(), 0u);
}

TEST(NameHash, SwarLowercaseMatchesBytewiseForEveryByteInEveryLane) {
    for (unsigned lane = 0; lane < 8; ++lane)
        for (unsigned b = 0; b < 256; ++b) {
            uint64_t w = 0x5a41407b605b617aull ^ (uint64_t(b ^ 0x41) << (8 * lane)); // neighbours near the edges
            uint64_t expect = 0;
            for (unsigned k = 0; k < 8; ++k) {
                uint8_t c = uint8_t(w >> (8 * k));
                if (c >= 'A' && c <= 'Z') c = uint8_t(c + 32);
                expect |= uint64_t(c) << (8 * k);
            }
            ASSERT_EQ(ascii_lower8(w), expect) << "lane " << lane << " byte " << b;
        }
}

TEST(NameHash, CaselessAtEveryLengthAndDistinctOtherwise) { // lengths below, at and past 8 and 16: every tail path
    const std::string name = "Vpn-Gateway.Corp.EXAMPLE.com.and.some.more.labels";
    for (std::size_t n = 1; n <= name.size(); ++n) {
        std::string mixed = name.substr(0, n), lower = mixed;
        for (char& c : lower) c = char(std::tolower(uint8_t(c)));
        EXPECT_EQ(hash_name_caseless(mixed), hash_name_caseless(lower)) << n;
        if (n > 1) { // one byte shorter is another name
            EXPECT_NE(hash_name_caseless(lower), hash_name_caseless(std::string_view(lower).substr(0, n - 1)));
        }
    }
    // A non-ASCII byte is not folded: 0xC1 is not 0xE1.
    const char a[] = "\xc1x", b[] = "\xe1x";
    EXPECT_NE(hash_name_caseless(a), hash_name_caseless(b));
}

TEST(NameHash, ExactHashSeesCaseAndEveryTailByte) {
    const std::string name = "ns1.Example-Provider.net.";
    for (std::size_t n = 1; n <= name.size(); ++n) {
        std::string a = name.substr(0, n), b = a;
        b[n - 1] = char(b[n - 1] ^ 0x01); // the last byte differs: it is in the tail word
        EXPECT_NE(hash_name_exact(a), hash_name_exact(b)) << n;
        EXPECT_EQ(hash_name_exact(a), hash_name_exact(std::string(a))) << n;
    }
    EXPECT_NE(hash_name_exact("WWW.example.com"), hash_name_exact("www.example.com"));
}

// The hash is keyed per run: which addresses share a slot (and a worker)
// cannot be worked out without the seed, and one table and its steering
// agree as long as they share it.
TEST(ClientTable, HashIsKeyedBySeed) {
    dns::IpAddr a{};
    a.family = 4;
    a.bytes[0] = 10, a.bytes[3] = 7;
    const ClientKey k = ClientTable::make_key(a, 64);
    EXPECT_EQ(ClientTable::key_hash(k, 1234), ClientTable::key_hash(k, 1234));
    EXPECT_NE(ClientTable::key_hash(k, 1234), ClientTable::key_hash(k, 1235));
    EXPECT_NE(ClientTable::key_hash(k, 0), ClientTable::key_hash(k, 1ull << 40));
    ClientTable table(1024, 64, 99);
    EXPECT_EQ(table.ref(a).hash, ClientTable::ref(a, 64, 99).hash);
    EXPECT_NE(table.ref(a).hash, ClientTable::ref(a, 64, 0).hash);
    bool created = false;
    table.find_or_insert(ClientTable::ref(a, 64, 99), 1, created);
    EXPECT_TRUE(created);
    table.find_or_insert(a, 2, created); // the table's own ref: the same slot
    EXPECT_FALSE(created);
}
