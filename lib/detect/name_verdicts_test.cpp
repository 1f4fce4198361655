// The name-verdict cache: kept verdicts come back for the same name only,
// four names of one set stay, the least recently used one goes first.
#include "detect/name_verdicts.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace recontap::detect {
namespace {

// Looks `name` up; `computed` counts the calls that had to work it out. The
// verdict's internal_zone carries `mark`, to tell which computation it came from.
const NameVerdict& lookup(NameVerdicts& cache, const std::string& name, int& computed, int16_t mark = 0) {
    return cache.get(name, [&] {
        ++computed;
        NameVerdict v;
        v.internal_zone = mark;
        v.name_hash = name.size();
        return v;
    });
}

// `count` names that fall in the same set as `first`.
std::vector<std::string> same_set(const std::string& first, std::size_t count) {
    const uint64_t set = state::hash_name_exact(first) & (NameVerdicts::kSets - 1);
    std::vector<std::string> names{first};
    for (int i = 0; names.size() < count; ++i) {
        std::string n = "host" + std::to_string(i) + ".example.com";
        if ((state::hash_name_exact(n) & (NameVerdicts::kSets - 1)) == set && n != first) names.push_back(n);
    }
    return names;
}

TEST(NameVerdicts, RepeatedNameIsComputedOnce) {
    NameVerdicts cache;
    int computed = 0;
    EXPECT_EQ(lookup(cache, "www.example.com", computed, 7).internal_zone, 7);
    EXPECT_EQ(lookup(cache, "www.example.com", computed, 9).internal_zone, 7); // the kept verdict
    EXPECT_EQ(computed, 1);
    EXPECT_EQ(cache.misses(), 1u);
    // Exact bytes: another case is another name.
    EXPECT_EQ(lookup(cache, "WWW.example.com", computed, 9).internal_zone, 9);
    EXPECT_EQ(computed, 2);
}

TEST(NameVerdicts, FourNamesOfOneSetStayAndTheLeastRecentlyUsedGoes) {
    std::vector<std::string> names = same_set("a.example.com", 5);
    NameVerdicts cache;
    int computed = 0;
    for (int16_t i = 0; i < 4; ++i) lookup(cache, names[i], computed, i);
    EXPECT_EQ(computed, 4);
    for (int16_t i = 0; i < 4; ++i) EXPECT_EQ(lookup(cache, names[i], computed).internal_zone, i) << names[i];
    EXPECT_EQ(computed, 4); // all four kept, in a direct-mapped cache only one would be
    lookup(cache, names[0], computed); // names[1] is now the least recently used
    lookup(cache, names[4], computed, 4);
    EXPECT_EQ(computed, 5);
    for (int i : {0, 2, 3, 4}) EXPECT_EQ(lookup(cache, names[i], computed).internal_zone, i) << names[i];
    EXPECT_EQ(computed, 5);
    EXPECT_EQ(lookup(cache, names[1], computed, 11).internal_zone, 11); // evicted: worked out again
    EXPECT_EQ(computed, 6);
    EXPECT_EQ(cache.misses(), 6u);
}

TEST(NameVerdicts, LongNamesAreNotKept) {
    NameVerdicts cache;
    int computed = 0;
    std::string longest(NameVerdicts::kMaxName, 'a'), longer(NameVerdicts::kMaxName + 1, 'a');
    lookup(cache, longest, computed);
    lookup(cache, longest, computed);
    EXPECT_EQ(computed, 1);
    EXPECT_EQ(lookup(cache, longer, computed).name_hash, longer.size());
    EXPECT_EQ(lookup(cache, longer, computed).name_hash, longer.size());
    EXPECT_EQ(computed, 3);
}

TEST(NameVerdicts, ClearForgetsEverything) {
    NameVerdicts cache;
    int computed = 0;
    for (const std::string& n : same_set("b.example.com", 4)) lookup(cache, n, computed);
    lookup(cache, "", computed);
    cache.clear();
    for (const std::string& n : same_set("b.example.com", 4)) lookup(cache, n, computed);
    lookup(cache, "", computed);
    EXPECT_EQ(computed, 10);
}

} // namespace
} // namespace recontap::detect
