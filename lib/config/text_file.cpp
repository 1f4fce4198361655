#include "config/text_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace recontap::config {

std::optional<std::string> read_text_file(const std::string& path, int& error_number) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error_number = errno;
        return std::nullopt;
    }
    std::string text;
    char buf[16384];
    for (;;) {
        const ssize_t got = ::read(fd, buf, sizeof buf);
        if (got == 0) break;
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { // EISDIR for a folder, EIO, ...
            error_number = errno;
            ::close(fd);
            return std::nullopt;
        }
        text.append(buf, static_cast<std::size_t>(got));
    }
    ::close(fd);
    return text;
}

} // namespace recontap::config
