// The site's fast lookups answer exactly what the plain scans answer:
// SuffixSet as name_under() over the list (the first listed suffix, caseless,
// on label boundaries only), NetList as Cidr::contains / == over the list.
#include "config/config.hpp"
#include "detect/address_set.hpp"
#include "detect/site.hpp"
#include "detect/suffix_set.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using recontap::detect::name_under;
using recontap::detect::SuffixSet;

namespace {

int scan(const std::vector<std::string>& list, std::string_view name) {
    for (std::size_t i = 0; i < list.size(); ++i)
        if (name_under(name, list[i])) return int(i);
    return -1;
}

const std::vector<std::string> kNames = {
    "", "corp.example", "CORP.Example", "a.corp.example", "xcorp.example", "a.b.corp.example",
    "corp.example.", "example", "a.lab.corp.example", "lab.corp.example", "b.lab.corp.example.org",
    "www.apple.com", "apple.com.evil.net", "update.microsoft.com", "x.update.microsoft.com",
    "microsoft.com", "a..corp.example", ".corp.example", "zen.spamhaus.org", "1.2.0.127.zen.spamhaus.org",
    "spamhaus.org", "akamaiedge.net", "e123.a.akamaiedge.net", "akamaiedge.net.x", "n"};

} // namespace

TEST(SuffixSet, AgreesWithNameUnderScan) {
    const std::vector<std::vector<std::string>> lists = {
        {},
        {"corp.example"},
        {"lab.corp.example", "corp.example"}, // nested: the first listed wins, not the longest
        {"corp.example", "lab.corp.example"},
        {"apple.com", "update.microsoft.com", "zen.spamhaus.org", "akamaiedge.net", "apple.com"},
        {"example", "org", "net", "com"},
        {"Corp.Example", "n"},
    };
    for (const auto& list : lists) {
        SuffixSet set(list);
        for (const auto& name : kNames) {
            EXPECT_EQ(set.first_under(name), scan(list, name)) << "name '" << name << "', list of " << list.size();
            EXPECT_EQ(set.any_under(name), scan(list, name) >= 0) << name;
        }
    }
}

TEST(SuffixSet, TailsCaselessAndShortSuffixes) {
    // Same last 8 bytes, different suffixes; suffixes shorter than 8 bytes;
    // letters and non-letters around 'A'..'Z' ('@', '[', '`', '{', bytes >= 0x80).
    const std::vector<std::string> list = {"b.a.example", "x.a.example", "com", "a.example", "@[`{.zone",
                                           "\xc3\x89t\xc3\xa9.example", "io"};
    const std::vector<std::string> names = {"q.B.A.EXAMPLE", "x.a.Example", "a.example", "z.a.example", "example",
                                            "foo.com", "COM", "@[`{.ZONE", "a.@[`{.zone", "`[`{.zone",
                                            "w.\xc3\x89t\xc3\xa9.example", "w.\xe3\xa9t\xc3\xa9.example",
                                            "ab.io", "IO", "aio", "b.a.example.com"};
    SuffixSet set(list);
    for (const auto& name : names) EXPECT_EQ(set.first_under(name), scan(list, name)) << name;
    std::string raw = "x.";
    raw += char(0xc9);
    raw += "ZONE.EXAMPLE";
    SuffixSet bytes({std::string("\xe9zone.example").replace(0, 4, 1, char(0xe9))});
    EXPECT_EQ(bytes.first_under(raw), -1); // 0xc9 is not 0xe9 caseless: only ASCII folds
}

TEST(SuffixSet, EmptySuffixCoversEveryName) {
    SuffixSet set({"corp.example", ""});
    EXPECT_EQ(set.first_under("a.corp.example"), 0);
    EXPECT_EQ(set.first_under("other.net"), 1);
    EXPECT_EQ(set.first_under(""), 1);
}

TEST(SuffixSet, ManySuffixesStillExact) {
    std::vector<std::string> list;
    for (int i = 0; i < 500; ++i) list.push_back("zone" + std::to_string(i) + ".example");
    SuffixSet set(list);
    EXPECT_EQ(set.first_under("host.zone0.example"), 0);
    EXPECT_EQ(set.first_under("a.b.ZONE499.example"), 499);
    EXPECT_EQ(set.first_under("zone500.example"), -1);
    EXPECT_EQ(set.first_under("xzone7.example"), -1);
    EXPECT_EQ(set.first_under("zone7.example.com"), -1);
}

namespace {
recontap::dns::IpAddr ip(const char* text) {
    recontap::dns::IpAddr a;
    EXPECT_TRUE(recontap::config::parse_ip(text, a)) << text;
    return a;
}
recontap::config::Cidr cidr(const char* text, unsigned prefix) {
    recontap::config::Cidr c;
    c.addr = ip(text);
    c.prefix = uint8_t(prefix);
    return c;
}
} // namespace

TEST(NetList, AgreesWithCidrContainsAndEquality) {
    using recontap::detect::NetList;
    const std::vector<recontap::config::Cidr> nets = {cidr("10.0.0.0", 8),     cidr("172.16.0.0", 12),
                                                      cidr("192.168.1.128", 25), cidr("fd00::", 8),
                                                      cidr("2001:db8:1::", 48),  cidr("0.0.0.0", 0),
                                                      cidr("::1", 128)};
    const char* addrs[] = {"10.1.2.3",   "11.0.0.1",   "172.31.255.255", "172.32.0.0", "192.168.1.129",
                           "192.168.1.127", "fd12::1", "fe80::1",       "2001:db8:1:ffff::9", "2001:db8:2::1",
                           "::1",        "::2",        "0.0.0.0",        "255.255.255.255"};
    for (std::size_t k = 0; k < nets.size(); ++k) {
        std::vector<recontap::config::Cidr> one(nets.begin() + long(k), nets.begin() + long(k) + 1);
        NetList list(one);
        for (const char* a : addrs) EXPECT_EQ(list.contains(ip(a)), one[0].contains(ip(a))) << a << " in net " << k;
    }
    std::vector<recontap::dns::IpAddr> servers = {ip("10.0.0.53"), ip("fd00::53")};
    NetList exact(servers);
    for (const char* a : addrs) {
        bool listed = false;
        for (const auto& s : servers) listed |= s == ip(a);
        EXPECT_EQ(exact.contains(ip(a)), listed) << a;
    }
    EXPECT_TRUE(exact.contains(ip("10.0.0.53")));
    EXPECT_FALSE(exact.contains(ip("10.0.0.54")));
    EXPECT_TRUE(exact.contains(ip("fd00::53")));
    EXPECT_FALSE(NetList(std::vector<recontap::config::Cidr>{}).contains(ip("10.0.0.1")));
}
