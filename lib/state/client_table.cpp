#include "state/client_table.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include <sys/mman.h>

namespace recontap::state {

namespace {
uint64_t mix64(uint64_t x) { // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
} // namespace

uint64_t ClientTable::key_hash(const ClientKey& k, uint64_t seed) {
    uint64_t a, b;
    std::memcpy(&a, k.bytes, 8);
    std::memcpy(&b, k.bytes + 8, 8);
    return mix64(a ^ seed ^ mix64(b ^ k.family ^ (seed << 32 | seed >> 32)));
}

void ClientTable::FreeDeleter::operator()(ClientState* p) const { std::free(p); }

ClientTable::ClientTable(std::size_t capacity, unsigned ipv6_prefix, uint64_t seed)
    : mask_(capacity - 1), ipv6_prefix_(ipv6_prefix), seed_(seed) {
    if (capacity < kProbe || (capacity & (capacity - 1)) != 0)
        throw std::invalid_argument("client table capacity must be a power of two >= 8");
    // Every message reads a random slot of a table far larger than what the
    // TLB maps in 4 KiB pages (65,536 clients are 20 MiB, 5,120 pages): in
    // 2 MiB pages a lookup no longer waits for a page walk as well as for
    // the slot (perf/README.md). A table of whole 2 MiB pages, aligned to
    // one, is offered to the kernel as transparent huge pages; where it
    // declines, the table is the same in 4 KiB pages.
    constexpr std::size_t kHugePage = std::size_t(2) << 20;
    const std::size_t bytes = capacity * sizeof(ClientState);
    const bool huge = bytes >= kHugePage;
    void* p = huge ? std::aligned_alloc(kHugePage, (bytes + kHugePage - 1) & ~(kHugePage - 1))
                   : std::aligned_alloc(alignof(ClientState), bytes);
    if (!p) throw std::bad_alloc();
    if (huge) ::madvise(p, bytes, MADV_HUGEPAGE); // advice only: its failure changes nothing but speed
    std::memset(p, 0, bytes);                     // touch now, not on the packet path
    slots_.reset(static_cast<ClientState*>(p));
}

ClientKey ClientTable::make_key(const dns::IpAddr& addr, unsigned ipv6_prefix) {
    ClientKey k{};
    k.family = addr.family;
    if (addr.family == 4) {
        std::memcpy(k.bytes, addr.bytes, 4);
    } else {
        unsigned full = ipv6_prefix / 8, rest = ipv6_prefix % 8;
        std::memcpy(k.bytes, addr.bytes, full);
        if (rest && full < 16) k.bytes[full] = uint8_t(addr.bytes[full] & (0xff << (8 - rest)));
    }
    return k;
}

ClientState& ClientTable::find_or_insert(const ClientRef& client, uint64_t now_ns, bool& created) {
    const ClientKey& key = client.key;
    std::size_t start = client.hash & mask_;
    ClientState* oldest = nullptr;
    for (unsigned i = 0; i < kProbe; ++i) {
        ClientState& s = slots_[(start + i) & mask_];
        if (s.key.family == 0) {
            std::memset(&s, 0, sizeof s);
            s.key = key;
            s.history.first_seen_ns = s.last_seen_ns = now_ns;
            ++active_;
            created = true;
            return s;
        }
        if (s.key == key) {
            created = false;
            return s;
        }
        if (!oldest || s.last_seen_ns < oldest->last_seen_ns) oldest = &s;
    }
    ++evictions_;
    std::memset(oldest, 0, sizeof *oldest);
    oldest->key = key;
    oldest->history.first_seen_ns = oldest->last_seen_ns = now_ns;
    created = true;
    return *oldest;
}

} // namespace recontap::state
