#include "shm/region.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <csignal>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>
#include <stdexcept>
#include <utility>

namespace recontap::shm {

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

Region::Region(Region&& o) noexcept { *this = std::move(o); }

Region& Region::operator=(Region&& o) noexcept {
    if (this != &o) {
        if (view_.base) munmap(view_.base, size_);
        view_ = std::exchange(o.view_, RegionView{});
        size_ = std::exchange(o.size_, 0);
        name_ = std::move(o.name_);
    }
    return *this;
}

Region::~Region() {
    if (view_.base) munmap(view_.base, size_);
}

Region Region::create(const std::string& name, uint32_t n_workers) {
    if (n_workers == 0 || n_workers > kMaxWorkers)
        throw std::runtime_error("shared memory: worker count " + std::to_string(n_workers) + " out of range 1.." +
                                 std::to_string(kMaxWorkers));
    Layout l = Layout::for_workers(n_workers);
    // A live data plane already owns this name: refuse rather than pull the
    // region from under it (its detections would be lost).
    if (std::string why; Region existing = attach(name, why)) {
        int32_t owner = existing.header().dataplane_pid.load();
        if (owner > 0 && owner != getpid() && kill(owner, 0) == 0 &&
            existing.header().dataplane_state.load() != uint32_t(DataplaneState::stopped))
            throw std::runtime_error("shared memory " + name + " is in use by recontap pid " + std::to_string(owner) +
                                     " (one data plane per [mgmt] shm name)");
    }
    // Replace any leftover object: an attached daemon sees the new boot id
    // through its old mapping going stale (the name now points elsewhere).
    shm_unlink(name.c_str());
    int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0660);
    if (fd < 0) throw std::runtime_error("shared memory " + name + ": " + std::strerror(errno));
    if (ftruncate(fd, off_t(l.total)) != 0) {
        int e = errno;
        close(fd);
        shm_unlink(name.c_str());
        throw std::runtime_error("shared memory " + name + ": ftruncate: " + std::strerror(e));
    }
    void* p = mmap(nullptr, l.total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) throw std::runtime_error("shared memory " + name + ": mmap: " + std::strerror(errno));

    Region r;
    r.view_.base = p;
    r.size_ = l.total;
    r.name_ = name;
    // ftruncate gave zeroed pages: atomics start at 0, rings empty.
    RegionHeader& h = r.header();
    h.layout_version = kLayoutVersion;
    h.header_size = sizeof(RegionHeader);
    h.region_size = l.total;
    h.boot_id = std::random_device{}() | (uint64_t(std::random_device{}()) << 32) | 1;
    h.n_workers = n_workers;
    h.event_ring_slots = kEventRingSlots;
    std::strncpy(h.instance, name.c_str(), sizeof h.instance - 1);
    h.dataplane_pid.store(getpid());
    h.dataplane_heartbeat_ns.store(monotonic_ns());
    // Magic last: a daemon polling the name never sees a half-built header.
    std::atomic_thread_fence(std::memory_order_release);
    h.magic = kMagic;
    return r;
}

Region Region::attach(const std::string& name, std::string& why) {
    int fd = shm_open(name.c_str(), O_RDWR, 0);
    if (fd < 0) {
        why = errno == ENOENT ? "no shared-memory region " + name + " yet (is recontap running?)"
                              : "shared memory " + name + ": " + std::strerror(errno);
        return {};
    }
    struct stat st{};
    if (fstat(fd, &st) != 0 || std::size_t(st.st_size) < sizeof(RegionHeader)) {
        close(fd);
        why = "shared memory " + name + " is smaller than a header (still being created?)";
        return {};
    }
    void* p = mmap(nullptr, std::size_t(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        why = "shared memory " + name + ": mmap: " + std::strerror(errno);
        return {};
    }
    Region r;
    r.view_.base = p;
    r.size_ = std::size_t(st.st_size);
    r.name_ = name;
    const RegionHeader& h = r.header();
    if (h.magic != kMagic) {
        why = "shared memory " + name + " has no recontap header (wrong name, or still being created)";
        return {};
    }
    if (h.layout_version != kLayoutVersion || h.header_size != sizeof(RegionHeader)) {
        why = "shared memory " + name + " has layout version " + std::to_string(h.layout_version) +
              ", this program speaks version " + std::to_string(kLayoutVersion) + ": upgrade the older side";
        return {};
    }
    if (h.n_workers == 0 || h.n_workers > kMaxWorkers ||
        Layout::for_workers(h.n_workers).total != h.region_size || h.region_size > r.size_) {
        why = "shared memory " + name + " size does not match its header (corrupt?)";
        return {};
    }
    return r;
}

void Region::unlink(const std::string& name) { shm_unlink(name.c_str()); }

} // namespace recontap::shm
