#include "mgmt/server.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <thread>

using namespace recontap::mgmt;
using nlohmann::json;

namespace {

struct Fixture {
    std::string dir = ::testing::TempDir() + "srv-test-" + std::to_string(getpid());
    std::string path = dir + "/run/ctl.sock";
    ControlServer server;
    ControlServer::Handler handler = [](const json& req) -> json {
        if (req["cmd"] == "echo") return {{"ok", true}, {"echo", req.value("text", "")}};
        return error_reply("unknown cmd");
    };
    explicit Fixture(uint64_t idle_limit_ns = kIdleClientNs) : server(idle_limit_ns) {
        std::string why;
        if (!server.open(path, why)) ADD_FAILURE() << why;
    }
    ~Fixture() { std::filesystem::remove_all(dir); }

    int connect_client() const {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, path.c_str());
        EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        return fd;
    }
    // Sends text (if any), serves until a full reply line (or EOF) arrives.
    std::string exchange(int fd, const std::string& text) {
        if (!text.empty()) {
            EXPECT_EQ(send(fd, text.data(), text.size(), MSG_NOSIGNAL), ssize_t(text.size()));
        }
        std::string reply;
        for (int i = 0; i < 200 && reply.find('\n') == std::string::npos; ++i) {
            server.poll_once(10, handler);
            char buf[4096];
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) reply.append(buf, std::size_t(n));
            if (n == 0) break;
        }
        return reply;
    }
};

} // namespace

TEST(Server, AnswersRequestsLineByLine) {
    Fixture f;
    struct stat st{};
    ASSERT_EQ(stat(f.path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0660u);
    int fd = f.connect_client();
    EXPECT_EQ(json::parse(f.exchange(fd, "{\"cmd\":\"echo\",\"text\":\"hi\"}\n")), json({{"ok", true}, {"echo", "hi"}}));
    // Two requests in one write, CRLF tolerated: two replies in order.
    std::string both = f.exchange(fd, "{\"cmd\":\"echo\",\"text\":\"1\"}\r\n{\"cmd\":\"echo\",\"text\":\"2\"}\n");
    for (int i = 0; i < 10 && std::count(both.begin(), both.end(), '\n') < 2; ++i) both += f.exchange(fd, "");
    EXPECT_EQ(both, "{\"echo\":\"1\",\"ok\":true}\n{\"echo\":\"2\",\"ok\":true}\n");
    EXPECT_EQ(f.server.counters().requests, 3u);
    EXPECT_EQ(f.server.counters().bad_requests, 0u);
    close(fd);
}

TEST(Server, BadRequestsGetErrorsAndAreCounted) {
    Fixture f;
    int fd = f.connect_client();
    json not_json = json::parse(f.exchange(fd, "hello\n"));
    EXPECT_EQ(not_json["ok"], false);
    EXPECT_EQ(not_json["error"], "request is not valid JSON");
    EXPECT_EQ(json::parse(f.exchange(fd, "[1,2]\n"))["ok"], false);
    EXPECT_EQ(json::parse(f.exchange(fd, "{\"cmd\":7}\n"))["ok"], false);
    EXPECT_EQ(json::parse(f.exchange(fd, "{\"cmd\":\"nope\"}\n"))["error"], "unknown cmd");
    EXPECT_EQ(f.server.counters().bad_requests, 4u);
    // The connection still works after errors.
    EXPECT_EQ(json::parse(f.exchange(fd, "{\"cmd\":\"echo\"}\n"))["ok"], true);
    close(fd);
}

TEST(Server, OversizedLineIsRefusedAndTheClientClosed) {
    Fixture f;
    int fd = f.connect_client();
    std::string big(kMaxRequestLine + 10, 'x');
    std::string reply;
    std::size_t sent = 0;
    for (int i = 0; i < 500 && reply.find('\n') == std::string::npos; ++i) {
        if (sent < big.size()) {
            ssize_t n = send(fd, big.data() + sent, big.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) sent += std::size_t(n);
        }
        f.server.poll_once(5, f.handler);
        char buf[512];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) reply.append(buf, std::size_t(n));
    }
    EXPECT_EQ(json::parse(reply)["error"], "request line longer than 65536 bytes");
    EXPECT_EQ(f.server.counters().oversized_requests, 1u);
    // The rest of its line is read and dropped until it closes its side.
    send(fd, big.data(), 4096, MSG_DONTWAIT | MSG_NOSIGNAL);
    for (int i = 0; i < 10; ++i) f.server.poll_once(5, f.handler);
    EXPECT_EQ(f.server.clients(), 1u);
    shutdown(fd, SHUT_WR);
    for (int i = 0; i < 10; ++i) f.server.poll_once(5, f.handler);
    EXPECT_EQ(f.server.clients(), 0u);
    EXPECT_EQ(f.server.counters().requests, 1u); // the dropped bytes were no second request
    close(fd);
}

TEST(Server, SilentClientDoesNotBlockPolling) {
    Fixture f;
    int idle = f.connect_client();
    f.exchange(idle, ""); // accepted, never speaks
    int fd = f.connect_client();
    EXPECT_EQ(json::parse(f.exchange(fd, "{\"cmd\":\"echo\"}\n"))["ok"], true);
    EXPECT_EQ(f.server.clients(), 2u);
    close(idle);
    close(fd);
}

TEST(Server, RefusesASecondServerButReplacesAStaleSocket) {
    Fixture f;
    ControlServer second;
    std::string why;
    EXPECT_FALSE(second.open(f.path, why));
    EXPECT_NE(why.find("another recontapd already serves"), std::string::npos) << why;

    std::string stale = f.dir + "/stale.sock";
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, stale.c_str());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    close(fd); // file left behind, nobody listening
    ControlServer third;
    EXPECT_TRUE(third.open(stale, why)) << why;
}

TEST(Server, RejectsAPathThatIsNotASocket) {
    Fixture f;
    std::string file = f.dir + "/plain";
    close(creat(file.c_str(), 0600));
    ControlServer s;
    std::string why;
    EXPECT_FALSE(s.open(file, why));
    EXPECT_EQ(why, file + " exists and is not a socket");
}

// A request without its newline, then the client's half-close: answered.
TEST(Server, AnswersALastRequestWithoutNewlineOnHalfClose) {
    Fixture f;
    int fd = f.connect_client();
    const std::string req = "{\"cmd\":\"echo\",\"text\":\"last\"}";
    ASSERT_EQ(send(fd, req.data(), req.size(), MSG_NOSIGNAL), ssize_t(req.size()));
    ASSERT_EQ(shutdown(fd, SHUT_WR), 0);
    std::string reply = f.exchange(fd, "");
    EXPECT_EQ(reply, "{\"echo\":\"last\",\"ok\":true}\n");
    close(fd);
}

// Silent connections are closed after the idle limit and counted; one that
// keeps asking stays.
TEST(Server, ClosesIdleClientsSoForgottenConnectionsDoNotLockOperatorsOut) {
    Fixture f(200'000'000ull); // 200 ms
    int silent = f.connect_client(), busy = f.connect_client();
    bool silent_closed = false;
    for (int i = 0; i < 60 && !silent_closed; ++i) {
        EXPECT_FALSE(f.exchange(busy, "{\"cmd\":\"echo\"}\n").empty());
        char buf[64];
        silent_closed = recv(silent, buf, sizeof buf, MSG_DONTWAIT) == 0;
        usleep(20'000);
    }
    EXPECT_TRUE(silent_closed) << "the silent client was never closed";
    EXPECT_EQ(f.server.counters().idle_clients_closed, 1u);
    EXPECT_EQ(json::parse(f.exchange(busy, "{\"cmd\":\"echo\",\"text\":\"still\"}\n"))["echo"], "still");
    EXPECT_EQ(f.server.clients(), 1u);
    close(silent);
    close(busy);
}

// A client that writes an oversized line with one blocking send and only
// then reads: the daemon refuses it after 64 KiB, and must take in what is
// still coming before it closes, or the send fails (EPIPE) and a client like
// Python's sendall never reads the error.
TEST(Server, OversizedLineSentWholeStillGetsItsError) {
    Fixture f;
    int fd = f.connect_client();
    int small = 16 * 1024; // the send blocks until the daemon reads
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    std::string big(2 * kMaxRequestLine, 'x');
    ssize_t sent = -1;
    std::thread writer([&] { sent = send(fd, big.data(), big.size(), MSG_NOSIGNAL); });
    for (int i = 0; i < 200 && (f.server.clients() > 0 || i < 5); ++i) f.server.poll_once(5, f.handler);
    writer.join();
    EXPECT_EQ(sent, ssize_t(big.size())) << std::strerror(errno);
    std::string reply;
    char buf[512];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0;) reply.append(buf, std::size_t(n));
    ASSERT_FALSE(reply.empty());
    EXPECT_EQ(json::parse(reply)["error"], "request line longer than 65536 bytes");
    close(fd);
}

// Empty lines are not requests: they do not keep a client from being idle.
TEST(Server, EmptyLinesDoNotKeepAClientAlive) {
    Fixture f(200'000'000ull); // 200 ms
    int fd = f.connect_client();
    bool closed = false;
    for (int i = 0; i < 40 && !closed; ++i) {
        send(fd, "\n", 1, MSG_NOSIGNAL);
        f.server.poll_once(10, f.handler);
        char buf[64];
        closed = recv(fd, buf, sizeof buf, MSG_DONTWAIT) == 0;
        usleep(20'000);
    }
    EXPECT_TRUE(closed) << "a client sending only empty lines was never closed";
    EXPECT_EQ(f.server.counters().idle_clients_closed, 1u);
    close(fd);
}

// One answer larger than the pending-output limit is still delivered whole;
// only a backlog the client left unread gets it cut off.
TEST(Server, OneReplyLargerThanTheOutputLimitIsSentWhole) {
    Fixture f;
    f.handler = [](const json& req) -> json {
        if (req["cmd"] == "big") return {{"ok", true}, {"blob", std::string(kMaxPendingOutput + 4096, 'b')}};
        return error_reply("unknown cmd");
    };
    int fd = f.connect_client();
    ASSERT_EQ(send(fd, "{\"cmd\":\"big\"}\n", 14, MSG_NOSIGNAL), 14);
    std::string reply;
    for (int i = 0; i < 2000 && reply.find('\n') == std::string::npos; ++i) {
        f.server.poll_once(1, f.handler);
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) reply.append(buf, std::size_t(n));
    }
    ASSERT_NE(reply.find('\n'), std::string::npos) << "got " << reply.size() << " bytes";
    EXPECT_EQ(json::parse(reply)["blob"].get<std::string>().size(), kMaxPendingOutput + 4096);
    EXPECT_EQ(f.server.counters().slow_clients_dropped, 0u);
    close(fd);
}
