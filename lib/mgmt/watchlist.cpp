#include "mgmt/watchlist.hpp"

#include "config/text_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace recontap::mgmt {

using nlohmann::json;

namespace {

std::string utc_now() {
    time_t now = time(nullptr);
    tm t{};
    gmtime_r(&now, &t);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
    return buf;
}

// Notes end up in alerts, tables and the file: printable text only.
bool note_ok(std::string_view note, std::string& why) {
    if (note.size() > kMaxWatchNoteBytes) {
        why = "note is " + std::to_string(note.size()) + " bytes; at most " + std::to_string(kMaxWatchNoteBytes);
        return false;
    }
    if (std::any_of(note.begin(), note.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        why = "note contains control characters";
        return false;
    }
    return true;
}

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += std::size_t(n);
    }
    return true;
}

// Temp file beside the target, fsync, rename over it, fsync the folder: a
// crash leaves either the old list or the new one, never half of one.
bool save_atomically(const std::string& path, const std::string& data, std::string& why) {
    namespace fs = std::filesystem;
    fs::path folder = fs::path(path).parent_path();
    std::error_code ec;
    if (!folder.empty()) fs::create_directories(folder, ec);
    std::string tmp = path + ".tmp." + std::to_string(getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        why = "cannot save the watchlist: " + tmp + ": " + std::strerror(errno);
        return false;
    }
    bool ok = write_all(fd, data) && fsync(fd) == 0;
    int saved_errno = errno;
    close(fd);
    if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
        if (ok) saved_errno = errno;
        unlink(tmp.c_str());
        why = "cannot save the watchlist to " + path + ": " + std::strerror(saved_errno);
        return false;
    }
    int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        fsync(dir);
        close(dir);
    }
    return true;
}

json entries_json(const std::vector<WatchEntry>& entries) {
    json out = json::array();
    for (const WatchEntry& e : entries) out.push_back({{"net", cidr_text(e.net)}, {"note", e.note}, {"added", e.added}});
    return out;
}

} // namespace

std::string cidr_text(const config::Cidr& net) { return config::format_ip(net.addr) + "/" + std::to_string(net.prefix); }

bool parse_watch_net(std::string_view text, config::Cidr& out, std::string& why) {
    if (config::parse_cidr(text, out)) return true;
    const std::string quoted = "\"" + std::string(text.substr(0, 64)) + "\"";
    const auto slash = text.find('/');
    dns::IpAddr addr;
    if (!config::parse_ip(text.substr(0, slash), addr)) {
        why = quoted + " is not an IPv4 or IPv6 address (expected ADDRESS or ADDRESS/PREFIX)";
        return false;
    }
    // The address is fine, so the prefix is bad or host bits are set: say which.
    const std::string_view digits = text.substr(slash + 1);
    const unsigned max = addr.family == 4 ? 32 : 128;
    const bool numeric = !digits.empty() && digits.size() <= 3 &&
                         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric || std::stoul(std::string(digits)) > max)
        why = quoted + ": the prefix length must be a number from 0 to " + std::to_string(max);
    else
        why = quoted + ": host bits are set beyond /" + std::string(digits) + " (give the network address)";
    return false;
}

bool Watchlist::load(std::string& why) {
    int error_number = 0;
    std::optional<std::string> text = config::read_text_file(path_, error_number);
    if (!text) {
        if (error_number == ENOENT) {
            adopt({});
            return true;
        }
        why = path_ + ": cannot read: " + std::strerror(error_number);
        return false;
    }
    json doc = json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("watchlist") || !doc["watchlist"].is_array()) {
        why = path_ + ": not a watchlist file (expected {\"watchlist\": [...]})";
        return false;
    }
    std::vector<WatchEntry> entries;
    for (const json& item : doc["watchlist"]) {
        const std::string where = path_ + ": entry " + std::to_string(entries.size() + 1) + ": ";
        if (!item.is_object() || !item.contains("net") || !item["net"].is_string()) {
            why = where + "expected an object with a \"net\" string";
            return false;
        }
        for (const char* text_field : {"note", "added"})
            if (item.contains(text_field) && !item[text_field].is_string()) {
                why = where + "\"" + text_field + "\" must be a string";
                return false;
            }
        WatchEntry e;
        std::string problem;
        e.note = item.value("note", "");
        e.added = item.value("added", "");
        if (!parse_watch_net(item["net"].get<std::string>(), e.net, problem) || !note_ok(e.note, problem)) {
            why = where + problem;
            return false;
        }
        // One entry a network, as add() keeps it: a second would shadow the
        // first's note and be listed twice.
        auto same = std::find_if(entries.begin(), entries.end(), [&](const WatchEntry& x) { return x.net == e.net; });
        if (same != entries.end()) {
            why = where + cidr_text(e.net) + " is already entry " + std::to_string(same - entries.begin() + 1) +
                  " (keep one)";
            return false;
        }
        entries.push_back(std::move(e));
    }
    if (entries.size() > kMaxWatchlistEntries) {
        why = path_ + ": " + std::to_string(entries.size()) + " entries; at most " +
              std::to_string(kMaxWatchlistEntries);
        return false;
    }
    adopt(std::move(entries));
    return true;
}

bool Watchlist::add(std::string_view net_text, std::string_view note, std::string& why) {
    config::Cidr net;
    if (!parse_watch_net(net_text, net, why) || !note_ok(note, why)) return false;
    std::vector<WatchEntry> next = entries_;
    auto it = std::find_if(next.begin(), next.end(), [&](const WatchEntry& e) { return e.net == net; });
    if (it != next.end()) {
        it->note = note;
    } else {
        if (next.size() >= kMaxWatchlistEntries) {
            why = "the watchlist is full (" + std::to_string(kMaxWatchlistEntries) +
                  " entries); remove entries or watch a covering prefix instead";
            return false;
        }
        next.push_back({net, std::string(note), utc_now()});
    }
    return commit(std::move(next), why);
}

bool Watchlist::remove(std::string_view net_text, std::string& why) {
    config::Cidr net;
    if (!parse_watch_net(net_text, net, why)) return false;
    std::vector<WatchEntry> next = entries_;
    auto it = std::find_if(next.begin(), next.end(), [&](const WatchEntry& e) { return e.net == net; });
    if (it == next.end()) {
        why = cidr_text(net) + " is not on the watchlist";
        return false;
    }
    next.erase(it);
    return commit(std::move(next), why);
}

const config::IntelEntry* Watchlist::match(const shm::DetectionRecord& r) const {
    if (index_.empty()) return nullptr;
    dns::IpAddr client;
    client.family = r.client_family;
    std::memcpy(client.bytes, r.client, sizeof client.bytes);
    return index_.find(client);
}

json Watchlist::to_json() const { return entries_json(entries_); }

bool Watchlist::commit(std::vector<WatchEntry> next, std::string& why) {
    if (!path_.empty() && !save_atomically(path_, json{{"watchlist", entries_json(next)}}.dump(2) + "\n", why))
        return false;
    adopt(std::move(next));
    return true;
}

void Watchlist::adopt(std::vector<WatchEntry> next) {
    entries_ = std::move(next);
    std::vector<config::IntelEntry> nets;
    nets.reserve(entries_.size());
    for (const WatchEntry& e : entries_) nets.push_back({e.net, e.note});
    index_ = detect::AddressSet(nets);
}

} // namespace recontap::mgmt
