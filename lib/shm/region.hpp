// Creating (data plane) and attaching to (daemon) the shared-memory region
// described in layout.hpp.
#pragma once
#include "shm/layout.hpp"

#include <string>

namespace recontap::shm {

// Owns one mapping; unmaps on destruction.
class Region {
public:
    Region() = default;
    Region(Region&&) noexcept;
    Region& operator=(Region&&) noexcept;
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;
    ~Region();

    // Creates (or replaces) the object `name` ("/recontap-foo") for n workers,
    // zeroed, header filled, with a fresh boot id. Throws std::runtime_error.
    static Region create(const std::string& name, uint32_t n_workers);

    // Maps an existing object and checks magic, layout version and size.
    // On failure returns an empty Region and sets why to a one-line reason
    // ("no region /x yet", "layout version 2, this program speaks 1", ...).
    static Region attach(const std::string& name, std::string& why);

    explicit operator bool() const { return view_.base != nullptr; }
    const RegionView& view() const { return view_; }
    RegionHeader& header() const { return view_.header(); }
    const std::string& name() const { return name_; }

    // Removes the object name (the data plane does this on clean exit).
    static void unlink(const std::string& name);

private:
    RegionView view_{};
    std::size_t size_ = 0;
    std::string name_;
};

uint64_t monotonic_ns();

} // namespace recontap::shm
