#include "mgmt/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "shm/region.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace recontap::mgmt {

using nlohmann::json;

json error_reply(const std::string& message) { return {{"ok", false}, {"error", message}}; }

namespace {

bool fill_address(const std::string& path, sockaddr_un& addr) {
    if (path.empty() || path.size() >= sizeof addr.sun_path) return false;
    addr = {};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
}

// True when a live server already accepts connections on path.
bool someone_listens(const sockaddr_un& addr) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool live = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return live;
}

} // namespace

ControlServer::~ControlServer() {
    for (Client& c : clients_) close(c.fd);
    if (listen_fd_ >= 0) {
        close(listen_fd_);
        unlink(path_.c_str());
    }
}

bool ControlServer::open(const std::string& path, std::string& why) {
    sockaddr_un addr;
    if (!fill_address(path, addr)) {
        why = "socket path '" + path + "' is empty or longer than " + std::to_string(sizeof addr.sun_path - 1) +
              " bytes";
        return false;
    }
    std::error_code ec;
    auto folder = std::filesystem::path(path).parent_path();
    if (!folder.empty()) std::filesystem::create_directories(folder, ec);
    if (ec) {
        why = "cannot create " + folder.string() + ": " + ec.message();
        return false;
    }
    struct stat st{};
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            why = path + " exists and is not a socket";
            return false;
        }
        if (someone_listens(addr)) {
            why = "another recontapd already serves " + path;
            return false;
        }
        unlink(path.c_str()); // stale: its daemon is gone
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
        chmod(path.c_str(), 0660) != 0 || listen(fd, 16) != 0 || stat(path.c_str(), &st) != 0) {
        why = "socket " + path + ": " + std::strerror(errno);
        if (fd >= 0) close(fd);
        return false;
    }
    listen_fd_ = fd;
    path_ = path;
    socket_gid_ = st.st_gid;
    return true;
}

bool ControlServer::peer_allowed(int fd) const {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
    return cred.uid == 0 || cred.uid == geteuid() || cred.gid == socket_gid_;
}

namespace {
// Closes a client the daemon is done with; what it sent and the daemon did
// not read is taken first (bounded), so the close does not fail a write the
// peer still has in flight before it reads the reply ("too many clients").
void close_client(int fd) {
    shutdown(fd, SHUT_WR);
    char sink[4096];
    for (int reads = 0; reads < 64 && read(fd, sink, sizeof sink) > 0; ++reads) {
    }
    close(fd);
}
constexpr uint64_t kMaxDiscard = 4u << 20; // what an oversized request may still send before it is cut off
} // namespace

void ControlServer::accept_clients() {
    for (;;) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; // EAGAIN, or a transient error: the next poll retries
        ++counters_.connections;
        const char* refusal = nullptr;
        if (!peer_allowed(fd)) {
            ++counters_.peers_refused;
            refusal = "{\"ok\":false,\"error\":\"permission denied: not root, not the daemon's user or group\"}\n";
        } else if (clients_.size() >= kMaxClients) {
            ++counters_.clients_over_limit;
            refusal = "{\"ok\":false,\"error\":\"too many clients\"}\n";
        }
        if (refusal) {
            [[maybe_unused]] ssize_t n = send(fd, refusal, std::strlen(refusal), MSG_NOSIGNAL | MSG_DONTWAIT);
            close_client(fd);
            continue;
        }
        Client c;
        c.fd = fd;
        c.last_heard_ns = shm::monotonic_ns();
        clients_.push_back(std::move(c));
    }
}

void ControlServer::queue(Client& c, const json& reply) {
    // A client is cut off for what it left unread before this reply: one
    // large answer (a blocklist of 30k clients is ~5 MiB) is still sent.
    const bool unread_backlog = c.out.size() > kMaxPendingOutput;
    c.out += reply.dump(-1, ' ', false, json::error_handler_t::replace);
    c.out += '\n';
    if (unread_backlog) {
        ++counters_.slow_clients_dropped;
        c.out.clear();
        c.closing = true;
    }
}

void ControlServer::answer_line(Client& c, std::string_view line, const Handler& handler) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    // Only a request keeps a client from being idle: empty lines every
    // minute would otherwise hold one of the kMaxClients slots for good.
    c.last_heard_ns = shm::monotonic_ns();
    ++counters_.requests;
    json reply;
    json request = json::parse(line, nullptr, false);
    if (request.is_discarded())
        reply = error_reply("request is not valid JSON");
    else if (!request.is_object() || !request.contains("cmd") || !request["cmd"].is_string())
        reply = error_reply("request must be a JSON object with a string \"cmd\"");
    else
        try { // a handler's slip on an odd request costs that request, never the daemon
            reply = handler(request);
        } catch (const std::exception& e) {
            reply = error_reply(std::string("cannot handle this request: ") + e.what());
        }
    if (!reply.is_object() || !reply.value("ok", false)) ++counters_.bad_requests;
    queue(c, reply);
}

void ControlServer::read_from(Client& c, const Handler& handler) {
    char chunk[4096];
    for (int reads = 0; reads < 16; ++reads) { // bounded: one busy client cannot starve the loop
        ssize_t n = read(c.fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n <= 0) { // peer closed its side (or error): answer what it sent, then close
            if (n == 0 && !c.in.empty()) answer_line(c, c.in, handler); // a last request without its newline
            c.in.clear();
            c.closing = true;
            break;
        }
        if (c.discarding) {
            c.discarded += uint64_t(n);
            if (c.discarded > kMaxDiscard) c.closing = true;
            continue;
        }
        c.in.append(chunk, std::size_t(n));
        std::size_t start = 0;
        for (std::size_t nl; (nl = c.in.find('\n', start)) != std::string::npos; start = nl + 1)
            answer_line(c, std::string_view(c.in).substr(start, nl - start), handler);
        c.in.erase(0, start);
        if (c.in.size() > kMaxRequestLine) {
            ++counters_.requests;
            ++counters_.oversized_requests;
            ++counters_.bad_requests;
            queue(c, error_reply("request line longer than " + std::to_string(kMaxRequestLine) + " bytes"));
            c.in.clear();
            c.discarding = true; // closed at its EOF (or past kMaxDiscard, or when idle)
            break;
        }
        if (c.closing) break;
    }
}

void ControlServer::write_to(Client& c) {
    while (!c.out.empty()) {
        ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            uint64_t now = shm::monotonic_ns();
            if (c.blocked_since_ns == 0) c.blocked_since_ns = now;
            if (now - c.blocked_since_ns > kStalledClientNs) {
                ++counters_.slow_clients_dropped;
                c.out.clear();
                c.closing = true;
            }
            return;
        }
        if (n <= 0) { // peer gone: nothing more to deliver
            c.out.clear();
            c.closing = true;
            return;
        }
        c.out.erase(0, std::size_t(n));
        c.blocked_since_ns = 0;
    }
    if (c.discarding && !c.said_all) { // a peer reading to EOF gets it after the error
        shutdown(c.fd, SHUT_WR);
        c.said_all = true;
    }
}

void ControlServer::close_idle(uint64_t now_ns) {
    for (Client& c : clients_)
        if (!c.closing && c.out.empty() && now_ns - c.last_heard_ns > idle_limit_ns_) {
            ++counters_.idle_clients_closed;
            c.closing = true;
        }
}

bool ControlServer::poll_once(int timeout_ms, const Handler& handler, int wake_fd) {
    std::vector<pollfd> fds;
    fds.reserve(clients_.size() + 2);
    fds.push_back({wake_fd, POLLIN, 0}); // poll ignores negative fds
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const Client& c : clients_) {
        short events = short((c.closing ? 0 : POLLIN) | (c.out.empty() ? 0 : POLLOUT));
        fds.push_back({c.fd, events, 0});
    }
    // On timeout revents stay 0 and clients still get a write attempt, so a
    // stalled one is noticed.
    if (poll(fds.data(), fds.size(), timeout_ms) < 0) return false;

    bool woken = fds[0].revents & POLLIN;
    std::size_t polled = clients_.size(); // clients accepted below are served next round
    for (std::size_t i = 0; i < polled; ++i) {
        Client& c = clients_[i];
        short ev = fds[i + 2].revents;
        if (ev & (POLLIN | POLLHUP | POLLERR)) read_from(c, handler);
        write_to(c);
    }
    if (fds[1].revents & POLLIN) accept_clients();
    close_idle(shm::monotonic_ns());
    for (std::size_t i = 0; i < clients_.size();) {
        if (clients_[i].closing && clients_[i].out.empty()) {
            close_client(clients_[i].fd);
            clients_[i] = std::move(clients_.back());
            clients_.pop_back();
        } else {
            ++i;
        }
    }
    return woken;
}

} // namespace recontap::mgmt
