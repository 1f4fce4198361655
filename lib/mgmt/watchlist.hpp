// The analysts' watchlist: clients and prefixes whose every detection is
// escalated to Tier 2 and never held back as a repeat. Changed over the
// control socket (recontapctl watchlist), kept in a JSON file that is
// rewritten atomically on every change and read at start, so a daemon
// restart keeps it. Lookups go through detect::AddressSet (longest prefix),
// rebuilt on each change: changes are rare, lookups happen per record.
#pragma once
#include "config/config.hpp"
#include "detect/address_set.hpp"
#include "shm/layout.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace recontap::mgmt {

inline constexpr std::size_t kMaxWatchlistEntries = 4096;
inline constexpr std::size_t kMaxWatchNoteBytes = 256;

struct WatchEntry {
    config::Cidr net;
    std::string note;  // the analyst's reason, shown in alerts
    std::string added; // wall-clock time of the add, "2026-12-03T16:10:00Z"
};

// "10.0.0.5", "10.0.0.0/24", "2001:db8::/48" -> Cidr; false with why.
bool parse_watch_net(std::string_view text, config::Cidr& out, std::string& why);
std::string cidr_text(const config::Cidr& net); // "10.0.0.0/24"

class Watchlist {
public:
    // path: where the list is kept; "" keeps it in memory only (tests).
    explicit Watchlist(std::string path) : path_(std::move(path)) {}

    // Reads the file; a missing file is an empty list. False with why when the
    // file is unreadable or not a watchlist (the daemon then refuses to start
    // rather than silently forget what analysts asked for).
    bool load(std::string& why);

    // Adds net or, when it is already listed, replaces its note. Nothing
    // changes unless the new list was saved. False with why.
    bool add(std::string_view net_text, std::string_view note, std::string& why);
    bool remove(std::string_view net_text, std::string& why);

    // The most specific entry containing the client, or nullptr. The pointer
    // stays valid until the next add, remove or load.
    const config::IntelEntry* match(const dns::IpAddr& client) const { return index_.find(client); }
    const config::IntelEntry* match(const shm::DetectionRecord& r) const;

    const std::vector<WatchEntry>& entries() const { return entries_; }
    const std::string& path() const { return path_; }
    nlohmann::json to_json() const; // [{"net","note","added"}...]

private:
    bool commit(std::vector<WatchEntry> next, std::string& why); // save, then adopt
    void adopt(std::vector<WatchEntry> next);

    std::string path_;
    std::vector<WatchEntry> entries_;
    detect::AddressSet index_; // labels are the notes
};

} // namespace recontap::mgmt
