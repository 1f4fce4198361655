// recontapctl: asks recontapd one question over its control socket and
// prints the answer as a table, or raw with --json.
#include "config/config.hpp"
#include "render.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: recontapctl [-s SOCKET] [-c CONF] COMMAND [--json]      (recontapctl help: this text)\n"
    "  status | stats | detections [--limit N] | top [--limit N]\n"
    "  watchlist                                 list watched clients and prefixes\n"
    "  watchlist add ADDR[/PREFIX] [--note TEXT]  watch a client or prefix (or change its note)\n"
    "  watchlist remove ADDR[/PREFIX]             stop watching it\n"
    "  blocklist [--tier 1|2] [--since SECONDS] [--format plain|csv|json]\n"
    "                                            clients alerted on; --tier: highest tier exactly;\n"
    "                                            --since: last alert at most this long before the newest\n"
    "  rules test NAME                           which loaded rules match NAME (asks the data plane)\n"
    "  rules reload                              recompile the rule files; traffic keeps flowing\n"
    "  thresholds                                the [detectors] thresholds in force\n"
    "  thresholds set KEY VALUE                  change one at run time (checked like the config file)\n"
    "  -s SOCKET   recontapd's control socket (default: [mgmt] socket of CONF or the built-in default)\n"
    "  --json      print the daemon's reply as one JSON line\n"
    "  --limit N   detections/top: how many (default 20)\n";
// Longer than recontapd's own wait for the data plane (20 s for a reload).
constexpr int kReplyTimeoutMs = 25000;

struct Args {
    std::string socket, config, command;
    std::vector<std::string> operands; // after the command: "add ADDR", "test NAME", "set KEY VALUE"
    bool json = false;
    long long limit = -1, tier = -1, since = -1;
    std::optional<std::string> note;
    std::string format = "plain";
};

bool is_command(const std::string& a) {
    for (const char* c : {"status", "stats", "detections", "top", "watchlist", "blocklist", "rules", "thresholds"})
        if (a == c) return true;
    return false;
}

bool number_in(const char* text, long long low, long long high, long long& out) {
    char* end = nullptr;
    errno = 0;
    out = std::strtoll(text, &end, 10);
    return *text != '\0' && *end == '\0' && errno == 0 && out >= low && out <= high;
}

bool parse_args(int argc, char** argv, Args& out) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        bool has_value = i + 1 < argc;
        if ((a == "-s" || a == "--socket") && has_value) {
            out.socket = argv[++i];
        } else if ((a == "-c" || a == "--config") && has_value) {
            out.config = argv[++i];
        } else if (a == "--json") {
            out.json = true;
        } else if (a == "--limit" && has_value) {
            if (!number_in(argv[++i], 1, LLONG_MAX, out.limit)) {
                std::cerr << "recontapctl: --limit needs a positive number\n";
                return false;
            }
        } else if (a == "--tier" && has_value) {
            if (!number_in(argv[++i], 1, 2, out.tier)) {
                std::cerr << "recontapctl: --tier is 1 or 2\n";
                return false;
            }
        } else if (a == "--since" && has_value) {
            if (!number_in(argv[++i], 1, 1'000'000'000, out.since)) {
                std::cerr << "recontapctl: --since needs a positive number of seconds\n";
                return false;
            }
        } else if (a == "--note" && has_value) {
            out.note = argv[++i];
        } else if (a == "--format" && has_value) {
            out.format = argv[++i];
            if (out.format != "plain" && out.format != "csv" && out.format != "json") {
                std::cerr << "recontapctl: --format is plain, csv or json\n";
                return false;
            }
        } else if (a == "-h" || a == "--help" || (a == "help" && out.command.empty())) {
            std::cout << kUsage;
            std::exit(0);
        } else if (out.command.empty() && is_command(a)) {
            out.command = a;
        } else if ((out.command == "watchlist" && !a.empty() && a[0] != '-') || out.command == "rules" ||
                   out.command == "thresholds") {
            out.operands.push_back(a); // watchlist add ADDR, rules test NAME, thresholds set KEY VALUE
        } else {
            std::cerr << "recontapctl: unexpected argument '" << a << "'\n";
            return false;
        }
    }
    if (out.command.empty()) std::cerr << "recontapctl: no command given\n";
    return !out.command.empty();
}

// rules and thresholds: forwarded by recontapd to the data plane.
bool build_control_request(const Args& args, nlohmann::json& request, std::string& why) {
    const std::vector<std::string>& w = args.operands;
    if (args.command == "rules") {
        if (w.size() == 2 && w[0] == "test") request = {{"cmd", "rules-test"}, {"name", w[1]}};
        else if (w.size() == 1 && w[0] == "reload") request = {{"cmd", "rules-reload"}};
        else why = "expected 'rules test NAME' or 'rules reload'";
    } else {
        if (w.empty()) request = {{"cmd", "thresholds"}};
        else if (w.size() == 3 && w[0] == "set") request = {{"cmd", "thresholds-set"}, {"key", w[1]}, {"value", w[2]}};
        else why = "expected 'thresholds' or 'thresholds set KEY VALUE'";
    }
    return why.empty();
}

// The request for the command line; false with why for a misused command.
bool build_request(const Args& args, nlohmann::json& request, std::string& why) {
    if (args.command == "rules" || args.command == "thresholds") return build_control_request(args, request, why);
    request = {{"cmd", args.command}};
    const bool blocklist = args.command == "blocklist", watchlist = args.command == "watchlist";
    if (args.limit >= 0) request["limit"] = args.limit;
    if (!blocklist && (args.tier >= 0 || args.since >= 0 || args.format != "plain")) {
        why = "--tier, --since and --format go with blocklist";
        return false;
    }
    if (blocklist) {
        if (args.tier >= 0) request["tier"] = args.tier;
        if (args.since >= 0) request["since_s"] = args.since;
    }
    if (!watchlist) return true;
    const std::vector<std::string>& op = args.operands;
    if (op.empty() || op[0] == "list") {
        if (op.size() > 1 || args.note) {
            why = "watchlist list takes no address or --note";
            return false;
        }
        return true;
    }
    if ((op[0] != "add" && op[0] != "remove") || op.size() != 2) {
        why = "use: watchlist [list] | watchlist add ADDR[/PREFIX] [--note TEXT] | watchlist remove ADDR[/PREFIX]";
        return false;
    }
    if (op[0] == "remove" && args.note) {
        why = "--note goes with watchlist add";
        return false;
    }
    request["op"] = op[0];
    request["net"] = op[1];
    if (args.note) request["note"] = *args.note;
    return true;
}

// Sends one request line and returns the reply line; on failure, why.
bool ask(const std::string& path, const std::string& request, std::string& reply, std::string& why) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
        why = "socket path too long: " + path;
        return false;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        why = "cannot reach recontapd at " + path + ": " + std::strerror(errno) + " (is recontapd running?)";
        if (fd >= 0) close(fd);
        return false;
    }
    std::string line = request + "\n";
    if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size())) {
        why = "sending to " + path + ": " + std::strerror(errno);
        close(fd);
        return false;
    }
    char buf[65536];
    while (reply.find('\n') == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, kReplyTimeoutMs) <= 0) {
            why = "recontapd at " + path + " did not answer within " + std::to_string(kReplyTimeoutMs / 1000) + " s";
            close(fd);
            return false;
        }
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            why = "recontapd at " + path + " closed the connection without an answer";
            close(fd);
            return false;
        }
        reply.append(buf, std::size_t(n));
    }
    close(fd);
    reply.resize(reply.find('\n'));
    return true;
}

} // namespace

int main(int argc, char** argv) {
    using namespace recontap;
    using nlohmann::json;
    Args args;
    if (!parse_args(argc, argv, args)) {
        std::cerr << kUsage;
        return 2;
    }
    if (args.socket.empty()) {
        try {
            args.socket = config::load(args.config).mgmt.socket;
        } catch (const std::exception& e) {
            std::cerr << e.what() << "\n";
            return 2;
        }
    }
    json request;
    std::string line, why;
    if (!build_request(args, request, why)) {
        std::cerr << "recontapctl: " << why << "\n" << kUsage;
        return 2;
    }
    std::string request_text;
    try {
        request_text = request.dump();
    } catch (const json::type_error&) { // argv from a Latin-1 terminal, say
        std::cerr << "recontapctl: arguments must be UTF-8 text\n";
        return 2;
    }
    if (!ask(args.socket, request_text, line, why)) {
        std::cerr << "recontapctl: " << why << "\n";
        return 1;
    }
    json reply = json::parse(line, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) {
        std::cerr << "recontapctl: recontapd sent something that is not a JSON object\n";
        return 1;
    }
    if (!reply.value("ok", false)) {
        std::cerr << "recontapctl: recontapd: " << reply.value("error", std::string("request failed")) << "\n";
        return 1;
    }
    if (args.json) {
        std::cout << line << "\n";
        return 0;
    }
    // A reply without the fields a table needs (another version of the
    // daemon, or -s pointing at something else) is an error line, not an abort.
    try {
        if (args.command == "status") ctl::render_status(reply, std::cout);
        else if (args.command == "stats") ctl::render_stats(reply, std::cout);
        else if (args.command == "detections") ctl::render_detections(reply, std::cout);
        else if (args.command == "watchlist") ctl::render_watchlist(reply, std::cout);
        else if (args.command == "blocklist") ctl::render_blocklist(reply, args.format, std::cout, std::cerr);
        else if (args.command == "top") ctl::render_top(reply, std::cout);
        else if (request["cmd"] == "rules-test") ctl::render_rules_test(reply, std::cout);
        else if (request["cmd"] == "rules-reload") ctl::render_rules_reload(reply, std::cout);
        else if (request["cmd"] == "thresholds") ctl::render_thresholds(reply, std::cout);
        else ctl::render_thresholds_set(reply, std::cout);
    } catch (const std::exception& e) {
        std::cerr << "recontapctl: unexpected reply from " << args.socket << " (" << e.what()
                  << "); --json shows it raw\n";
        return 1;
    }
    return 0;
}
