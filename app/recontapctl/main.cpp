// recontapctl: asks recontapd one question over its control socket and
// prints the answer as a table, or raw with --json.
#include "config/config.hpp"
#include "render.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: recontapctl [-s SOCKET] [-c CONF] COMMAND [--json] [--limit N]\n"
    "commands:\n"
    "  status | stats | detections | top\n"
    "  rules test NAME             which loaded rules match NAME (asks the data plane)\n"
    "  rules reload                recompile the rule files; traffic keeps flowing\n"
    "  thresholds                  the [detectors] thresholds in force\n"
    "  thresholds set KEY VALUE    change one at run time (checked like the config file)\n"
    "options:\n"
    "  -s SOCKET   recontapd's control socket (default: [mgmt] socket of CONF or the built-in default)\n"
    "  --json      print the daemon's reply as one JSON line\n"
    "  --limit N   detections/top: how many (default 20)\n";
// Longer than recontapd's own wait for the data plane (20 s for a reload).
constexpr int kReplyTimeoutMs = 25000;

struct Args {
    std::string socket, config, command;
    std::vector<std::string> words; // after the command: "test NAME", "reload", "set KEY VALUE"
    bool json = false;
    long long limit = -1;
};

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
            char* end = nullptr;
            out.limit = std::strtoll(argv[++i], &end, 10);
            if (*end != '\0' || out.limit < 0) {
                std::cerr << "recontapctl: --limit needs a non-negative number\n";
                return false;
            }
        } else if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            std::exit(0);
        } else if (out.command.empty() && (a == "status" || a == "stats" || a == "detections" || a == "top" ||
                                           a == "rules" || a == "thresholds")) {
            out.command = a;
        } else if (out.command == "rules" || out.command == "thresholds") {
            out.words.push_back(a);
        } else {
            std::cerr << "recontapctl: unexpected argument '" << a << "'\n";
            return false;
        }
    }
    if (out.command.empty()) std::cerr << "recontapctl: no command given\n";
    return !out.command.empty();
}

// The request for the command line; false (message printed) for a bad one.
bool build_request(const Args& args, nlohmann::json& request) {
    const auto& w = args.words;
    if (args.command == "rules") {
        if (w.size() == 2 && w[0] == "test") request = {{"cmd", "rules-test"}, {"name", w[1]}};
        else if (w.size() == 1 && w[0] == "reload") request = {{"cmd", "rules-reload"}};
        else {
            std::cerr << "recontapctl: expected 'rules test NAME' or 'rules reload'\n";
            return false;
        }
        return true;
    }
    if (args.command == "thresholds") {
        if (w.empty()) request = {{"cmd", "thresholds"}};
        else if (w.size() == 3 && w[0] == "set") request = {{"cmd", "thresholds-set"}, {"key", w[1]}, {"value", w[2]}};
        else {
            std::cerr << "recontapctl: expected 'thresholds' or 'thresholds set KEY VALUE'\n";
            return false;
        }
        return true;
    }
    request = {{"cmd", args.command}};
    if (args.limit >= 0) request["limit"] = args.limit;
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
    json request;
    if (!parse_args(argc, argv, args) || !build_request(args, request)) {
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
    std::string line, why;
    if (!ask(args.socket, request.dump(), line, why)) {
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
