// The control socket: UNIX stream, newline-delimited JSON requests and
// responses. Non-blocking throughout: a slow or hung client never holds up
// the daemon's drain loop; its buffers are bounded and it is dropped (and
// counted) when it exceeds them.
#pragma once
#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace recontap::mgmt {

inline constexpr std::size_t kMaxRequestLine = 64 * 1024;
inline constexpr std::size_t kMaxPendingOutput = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxClients = 64;
// A client whose replies sit unread this long is dropped, freeing its slot.
inline constexpr uint64_t kStalledClientNs = 30'000'000'000ull;
// A client that sends nothing this long with nothing left to receive is
// closed: kMaxClients forgotten connections must not lock operators out.
inline constexpr uint64_t kIdleClientNs = 60'000'000'000ull;

struct ServerCounters {
    uint64_t connections = 0;
    uint64_t peers_refused = 0;     // SO_PEERCRED: not root, not our uid, not the socket's group
    uint64_t clients_over_limit = 0;
    uint64_t requests = 0;
    uint64_t bad_requests = 0;      // answered {"ok":false,...}
    uint64_t oversized_requests = 0;
    uint64_t slow_clients_dropped = 0; // output over kMaxPendingOutput, or unread for kStalledClientNs
    uint64_t idle_clients_closed = 0;  // silent for the idle limit with nothing queued
};

class ControlServer {
public:
    // Answers one parsed request object (has a string "cmd"); the reply must
    // carry "ok". Replies with ok=false count as bad requests.
    using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

    explicit ControlServer(uint64_t idle_limit_ns = kIdleClientNs) : idle_limit_ns_(idle_limit_ns) {}
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;
    ~ControlServer(); // closes clients, removes the socket file

    // Creates the folder, refuses when another live server answers on path,
    // replaces a stale socket file, binds with mode 0660.
    bool open(const std::string& path, std::string& why);
    const std::string& path() const { return path_; }

    // Waits up to timeout_ms for activity on the socket, its clients or
    // wake_fd (ignored when -1), and serves what is ready. Returns true when
    // wake_fd became readable.
    bool poll_once(int timeout_ms, const Handler& handler, int wake_fd = -1);

    const ServerCounters& counters() const { return counters_; }
    std::size_t clients() const { return clients_.size(); }

private:
    struct Client {
        int fd = -1;
        std::string in, out;
        bool closing = false;  // close once out is flushed
        uint64_t blocked_since_ns = 0; // monotonic time output first could not be sent; 0 = flowing
        uint64_t last_heard_ns = 0;    // monotonic time of its last request (or of the connection)
        // Refused for an oversized line: what it still sends is read and
        // dropped (up to kMaxDiscard) so its write completes and it can read
        // the error; closed at its EOF.
        bool discarding = false;
        bool said_all = false; // its error written and the daemon's side shut: the peer sees EOF
        uint64_t discarded = 0;
    };

    void accept_clients();
    bool peer_allowed(int fd) const;
    void read_from(Client& c, const Handler& handler);
    void answer_line(Client& c, std::string_view line, const Handler& handler);
    void write_to(Client& c);
    void queue(Client& c, const nlohmann::json& reply);
    void close_idle(uint64_t now_ns);

    uint64_t idle_limit_ns_;
    int listen_fd_ = -1;
    std::string path_;
    gid_t socket_gid_ = 0;
    std::vector<Client> clients_;
    ServerCounters counters_;
};

// {"ok":false,"error":message}
nlohmann::json error_reply(const std::string& message);

} // namespace recontap::mgmt
