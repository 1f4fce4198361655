// The analysts' commands: the watchlist (add, remove, list) and the
// blocklist export of clients recontapd has alerted on.
#include "mgmt/daemon.hpp"

namespace recontap::mgmt {

using nlohmann::json;

namespace {

// An optional integer field within [low, high]; false when present and not.
bool optional_int(const json& request, const char* key, int64_t low, int64_t high, int64_t& out) {
    auto it = request.find(key);
    if (it == request.end()) return true;
    if (!it->is_number_integer() || it->get<int64_t>() < low || it->get<int64_t>() > high) return false;
    out = it->get<int64_t>();
    return true;
}

} // namespace

json Daemon::watchlist_reply(const json& request) {
    auto op_field = request.find("op");
    if (op_field != request.end() && !op_field->is_string())
        return error_reply("watchlist: \"op\" must be a string (list, add, remove)");
    const std::string op = op_field == request.end() ? "list" : op_field->get<std::string>();
    std::string why;
    if (op == "add" || op == "remove") {
        auto net = request.find("net");
        if (net == request.end() || !net->is_string()) return error_reply("watchlist " + op + ": \"net\" must be a string");
        auto note = request.find("note");
        if (op == "add" && note != request.end() && !note->is_string())
            return error_reply("watchlist add: \"note\" must be a string");
        bool done = op == "add" ? watchlist_.add(net->get<std::string>(),
                                                 note == request.end() ? "" : note->get<std::string>(), why)
                                : watchlist_.remove(net->get<std::string>(), why);
        if (!done) return error_reply("watchlist " + op + ": " + why);
        log_ << "recontapd: watchlist " << op << " " << net->get<std::string>() << " (" << watchlist_.entries().size()
             << " entries)" << std::endl;
    } else if (op != "list") {
        return error_reply("watchlist: unknown op '" + op + "' (list, add, remove)");
    }
    return {{"ok", true},
            {"watchlist", watchlist_.to_json()},
            {"capacity", kMaxWatchlistEntries},
            {"file", watchlist_.path()}};
}

json Daemon::blocklist_reply(const json& request) const {
    int64_t tier = 0, since_s = 0;
    if (!optional_int(request, "tier", 1, 2, tier)) return error_reply("blocklist: \"tier\" must be 1 or 2");
    if (!optional_int(request, "since_s", 1, INT64_MAX / 1'000'000'000, since_s))
        return error_reply("blocklist: \"since_s\" must be a positive number of seconds");
    json clients = alert_log_.blocklist(int(tier), uint64_t(since_s));
    for (json& c : clients) {
        config::Cidr net; // an address, or an IPv6 client's prefix: matched by its first address
        const config::IntelEntry* watch =
            config::parse_cidr(c["address"].get<std::string>(), net) ? watchlist_.match(net.addr) : nullptr;
        c["watchlist"] = watch ? json(cidr_text(watch->net)) : json(nullptr);
    }
    return {{"ok", true},
            {"clients", clients},
            {"client_capacity", options_.top_clients},
            {"untracked_alerts", alert_log_.untracked_alerts()}};
}

} // namespace recontap::mgmt
