#include "rules/rules.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace recontap::rules;

namespace {

constexpr uint32_t kPdns = 1u << static_cast<unsigned>(Category::pdns);
constexpr uint32_t kSens = 1u << static_cast<unsigned>(Category::sensitive);

std::string error_of(std::string_view pdns, std::string_view sensitive) {
    try {
        RuleSet::from_text(pdns, sensitive);
    } catch (const RuleError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(Rules, ExactNamesCaseless) {
    Matcher m(RuleSet::from_text("# providers\n\napi.securitytrails.com\ncrt.sh  # CT logs\n", ""));
    EXPECT_EQ(m.match("api.securitytrails.com").categories, kPdns);
    EXPECT_EQ(m.match("API.SecurityTrails.COM").categories, kPdns);
    EXPECT_EQ(m.match("crt.sh").pdns_rule, 1u);
    for (const char* other : {"notapi.securitytrails.com", "securitytrails.com", "api.securitytrails.com.evil.net",
                              "x.api.securitytrails.com", "api.securitytrails.co", "crt.shx", ""})
        EXPECT_EQ(m.match(other).categories, 0u) << other;
}

TEST(Rules, SuffixWildcard) {
    Matcher m(RuleSet::from_text("*.oastify.com\n", ""));
    EXPECT_EQ(m.match("oastify.com").categories, kPdns);
    EXPECT_EQ(m.match("abc123.oastify.com").categories, kPdns);
    EXPECT_EQ(m.match("a.b.OASTIFY.com").categories, kPdns);
    EXPECT_EQ(m.match("notoastify.com").categories, 0u);
    EXPECT_EQ(m.match("oastify.com.evil.net").categories, 0u);
}

TEST(Rules, TrailingWildcard) {
    Matcher m(RuleSet::from_text("oast.*\n*.interact.*\n", ""));
    EXPECT_EQ(m.match("oast.pro").pdns_rule, 0u);
    EXPECT_EQ(m.match("oast.live").pdns_rule, 0u);
    EXPECT_EQ(m.match("x.oast.pro").categories, 0u); // "oast.*" anchors at the first label
    EXPECT_EQ(m.match("oast").categories, 0u);
    EXPECT_EQ(m.match("toast.pro").categories, 0u);
    EXPECT_EQ(m.match("c58bduhe.interact.sh").pdns_rule, 1u);
    EXPECT_EQ(m.match("interact.sh").pdns_rule, 1u);
    EXPECT_EQ(m.match("interact").categories, 0u);
    EXPECT_EQ(m.match("a.interactive.sh").categories, 0u);
}

TEST(Rules, SensitiveLabels) {
    Matcher m(RuleSet::from_text("", "vpn\nadmin\n_ldap._tcp.dc._msdcs.*\n"));
    EXPECT_EQ(m.match("VPN.corp.example").categories, kSens);
    EXPECT_EQ(m.match("vpn.corp.example").sens_rule, 0u);
    EXPECT_EQ(m.match("vpn").categories, kSens);
    EXPECT_EQ(m.match("admin.example.com").sens_rule, 1u);
    EXPECT_EQ(m.match("_ldap._tcp.dc._msdcs.corp.example").sens_rule, 2u);
    for (const char* other : {"vpnx.corp", "myvpn.corp", "corp.vpn", "www.vpn.example", "administrator.example"})
        EXPECT_EQ(m.match(other).categories, 0u) << other;
}

TEST(Rules, BareWordInPdnsFileIsExactName) {
    Matcher m(RuleSet::from_text("vpn\n", ""));
    EXPECT_EQ(m.match("vpn").categories, kPdns);
    EXPECT_EQ(m.match("vpn.corp.example").categories, 0u);
}

TEST(Rules, RegexRules) {
    Matcher m(RuleSet::from_text("re:^[a-z0-9]{20}\\.oast\\.(pro|live)$\n", "re:^(dev|test)[0-9]+\\.\n"));
    EXPECT_EQ(m.match("abcdefghij0123456789.oast.pro").categories, kPdns);
    EXPECT_EQ(m.match("ABCDEFGHIJ0123456789.OAST.LIVE").categories, kPdns); // caseless
    EXPECT_EQ(m.match("short.oast.pro").categories, 0u);
    EXPECT_EQ(m.match("dev12.corp.example").categories, kSens);
    EXPECT_EQ(m.match("dev.corp.example").categories, 0u);
}

TEST(Rules, BothCategoriesAndLowestIndex) {
    auto set = RuleSet::from_text("*.example.com\nadmin.example.com\n", "admin\n");
    ASSERT_EQ(set->size(), 3u);
    EXPECT_EQ(set->pdns_count(), 2u);
    Matcher m(set);
    const Match hit = m.match("admin.example.com");
    EXPECT_EQ(hit.categories, kPdns | kSens);
    EXPECT_TRUE(hit.has(Category::pdns) && hit.has(Category::sensitive));
    EXPECT_EQ(hit.pdns_rule, 0u);
    EXPECT_EQ(hit.sens_rule, 2u);
    EXPECT_EQ(set->rule(2).category, Category::sensitive);
    EXPECT_EQ(set->rule(2).file, "<sensitive>");
    EXPECT_EQ(set->rule(2).line, 1u);
    EXPECT_EQ(set->rule(2).text, "admin");
}

TEST(Rules, EmptySetMatchesNothing) {
    auto set = RuleSet::from_text("# nothing\n", "\n");
    EXPECT_EQ(set->size(), 0u);
    EXPECT_EQ(set->database(), nullptr);
    Matcher m(set);
    EXPECT_EQ(m.match("api.securitytrails.com").categories, 0u);
}

TEST(Rules, ErrorsNameFileAndLine) {
    EXPECT_EQ(error_of("ok.example\nbad*.example\n", ""), "<pdns>:2: '*' only as a leading \"*.\" or a trailing \".*\"");
    EXPECT_EQ(error_of("", "vpn\n\nadmin portal\n"),
              "<sensitive>:3: one rule per line (unexpected space in \"admin portal\")");
    EXPECT_EQ(error_of("a..example\n", ""), "<pdns>:1: empty label in \"a..example\"");
    EXPECT_EQ(error_of("*.\n", ""), "<pdns>:1: a wildcard needs a name (\"*.example.com\", \"oast.*\")");
    EXPECT_EQ(error_of("exa$mple.com\n", ""), "<pdns>:1: character '$' is not allowed in a name rule (use re:)");
    // A binary file: the NUL is named, not left to end the message early.
    EXPECT_EQ(error_of(std::string("exa\0mple.com\n", 13), ""), "<pdns>:1: byte 0x00 is not allowed in a name rule (use re:)");
    EXPECT_EQ(error_of("caf\xc3\xa9.example\n", ""), "<pdns>:1: byte 0xC3 is not allowed in a name rule (use re:)");
    EXPECT_EQ(error_of("crt.sh\n# again\nCRT.sh\n", ""), "<pdns>:3: \"CRT.sh\" repeats line 1");
    EXPECT_EQ(error_of("re:\n", ""), "<pdns>:1: empty regex after \"re:\"");
    EXPECT_EQ(error_of(std::string("re:abc\0def\n", 11), ""), "<pdns>:1: byte 0x00 is not allowed in a regex (write \\x00)");
    // A regex Hyperscan rejects is named by its line, in the right file.
    const std::string bad = error_of("crt.sh\n", "vpn\n# x\nre:(unclosed\n");
    EXPECT_EQ(bad.rfind("<sensitive>:3: \"re:(unclosed\" does not compile: ", 0), 0u) << bad;
    const std::string backref = error_of("crt.sh\nre:(a)\\1\n", "");
    EXPECT_EQ(backref.rfind("<pdns>:2: ", 0), 0u) << backref;
}

TEST(Rules, UnreadableFile) {
    try {
        RuleSet::load("/nonexistent/p.rules", "/nonexistent/s.rules");
        FAIL() << "no error";
    } catch (const RuleError& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/p.rules: cannot read: No such file or directory");
    }
}

TEST(Rules, RebindToReloadedSet) {
    Matcher m(RuleSet::from_text("crt.sh\n", ""));
    EXPECT_EQ(m.match("crt.sh").categories, kPdns);
    m.rebind(RuleSet::from_text("", "vpn\n*.corp.example\nadmin\n"));
    EXPECT_EQ(m.match("crt.sh").categories, 0u);
    EXPECT_EQ(m.match("admin.corp.example").sens_rule, 1u);
    Matcher moved(std::move(m));
    EXPECT_EQ(moved.match("vpn.x").sens_rule, 0u);
}

TEST(ShippedRules, CompileAndClassify) {
    const std::string dir = RECONTAP_RULES_DIR;
    auto set = RuleSet::load(dir + "/pdns-providers.rules", dir + "/sensitive-labels.rules");
    EXPECT_GT(set->pdns_count(), 60u);
    EXPECT_GT(set->size() - set->pdns_count(), 30u);
    Matcher m(set);
    for (const char* name : {"api.securitytrails.com", "crt.sh", "api.shodan.io", "dnsdumpster.com",
                             "x1y2z3.oastify.com", "abc.oast.fun", "c58bd.interact.sh", "public-dns.info"})
        EXPECT_EQ(m.match(name).categories, kPdns) << name;
    for (const char* name : {"VPN.corp.example", "admin.example.com", "jenkins.corp.example", "sslvpn.example.org"})
        EXPECT_EQ(m.match(name).categories, kSens) << name;
    for (const char* name : {"www.example.com", "mail.example.com", "api.example.com", "autodiscover.corp.example",
                             "smtp.example.com", "securitytrails.com.evil.net", "notapi.securitytrails.com",
                             "vpnx.corp", "www.google.com", "crt.sh.example"})
        EXPECT_EQ(m.match(name).categories, 0u) << name;
    EXPECT_EQ(set->rule(m.match("api.securitytrails.com").pdns_rule).text, "api.securitytrails.com");
}

// Throughput of the hot call; printed, not asserted (machines differ).
TEST(ShippedRules, MillionNamesTimed) {
    const std::string dir = RECONTAP_RULES_DIR;
    Matcher m(RuleSet::load(dir + "/pdns-providers.rules", dir + "/sensitive-labels.rules"));
    std::vector<std::string> names;
    for (int i = 0; i < 1024; ++i) {
        char buf[96];
        std::snprintf(buf, sizeof buf, i % 16 == 0 ? "vpn%d.corp.example" : "host-%d.cdn%d.example.com", i, i % 7);
        names.emplace_back(buf);
    }
    names[3] = "api.securitytrails.com";
    names[5] = "admin.corp.example";
    uint64_t hits = 0;
    const auto start = std::chrono::steady_clock::now();
    constexpr int kNames = 1'000'000;
    for (int i = 0; i < kNames; ++i) hits += m.match(names[i & 1023]).categories != 0;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
    std::printf("[ rules ] %d names, %.1f ns/name, %llu matches\n", kNames, double(ns.count()) / kNames,
                static_cast<unsigned long long>(hits));
    // Two of every 1024 names hit (the vpnN labels are not "vpn").
    EXPECT_EQ(hits, 2u * (kNames / 1024) + (kNames % 1024 > 5 ? 2 : kNames % 1024 > 3 ? 1 : 0));
}

// `recontapctl rules test`: every rule a name matches, not only the first per category.
TEST(Matcher, AllMatchesListsEveryRuleInIndexOrder) {
    auto set = RuleSet::from_text("*.oastify.com\nre:^x1\nexact.example\n", "vpn\n*.oastify.*\n");
    Matcher m(set);
    EXPECT_EQ(m.all_matches("x1.oastify.com"), (std::vector<uint32_t>{0, 1, 4}));
    EXPECT_EQ(m.all_matches("vpn.oastify.com"), (std::vector<uint32_t>{0, 3, 4}));
    EXPECT_EQ(m.all_matches("exact.example"), (std::vector<uint32_t>{2}));
    EXPECT_TRUE(m.all_matches("www.example.com").empty());
    EXPECT_TRUE(Matcher(RuleSet::from_text("", "")).all_matches("vpn").empty());
}

// Reload on a worker: the control path allocates the scratch, the worker swaps it in.
TEST(Matcher, AdoptSwapsInAPreparedScratchAndHandsBackTheOld) {
    Matcher m(RuleSet::from_text("crt.sh\n", ""));
    EXPECT_TRUE(m.match("crt.sh").has(Category::pdns));
    auto bigger = RuleSet::from_text("crt.sh\nre:^[a-z]{3,40}\\.new\\.example$\n", "admin\n");
    hs_scratch_t* prepared = Matcher::make_scratch(*bigger);
    ASSERT_NE(prepared, nullptr);
    hs_scratch_t* old = m.adopt(bigger, prepared);
    EXPECT_NE(old, nullptr);
    EXPECT_NE(old, prepared);
    hs_free_scratch(old);
    Match hit = m.match("abcdef.new.example");
    EXPECT_TRUE(hit.has(Category::pdns));
    EXPECT_EQ(hit.pdns_rule, 1u);
    EXPECT_EQ(m.match("admin.corp").sens_rule, 2u);
    // An empty rule set needs no scratch; matching then finds nothing.
    auto empty = RuleSet::from_text("", "");
    EXPECT_EQ(Matcher::make_scratch(*empty), nullptr);
    hs_free_scratch(m.adopt(empty, nullptr));
    EXPECT_EQ(m.match("crt.sh").categories, 0u);
}

// A file far larger than any rule list (a log pasted in by mistake) is
// refused at the first rule over the limit, before Hyperscan sees it.
TEST(Rules, RefusesMoreThanTheRuleLimitNamingTheLine) {
    std::string pdns, sensitive;
    for (int i = 0; i < 15000; ++i) pdns += "p" + std::to_string(i) + ".example.com\n";
    for (int i = 0; i < 6000; ++i) sensitive += "s" + std::to_string(i) + "\n";
    try {
        RuleSet::from_text(pdns, sensitive);
        FAIL() << "21,000 rules accepted";
    } catch (const RuleError& e) {
        EXPECT_STREQ(e.what(), "<sensitive>:5001: more than 20000 rules in all (both files); merge names into "
                               "regular expressions or split the list");
    }
}
