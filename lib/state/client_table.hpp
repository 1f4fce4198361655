// Bounded open-addressing table of clients, one per worker (single thread,
// no locks). Capacity is fixed at construction, so memory stays flat however
// many source addresses a spray brings; when a probe window is full the
// least recently seen entry in it is evicted and counted.
#pragma once
#include "dns/packet.hpp"
#include "state/client_state.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace recontap::state {

// A client's key and its key_hash, computed once: steering picks the worker
// with it and hands it on, so the worker's table lookup does not hash again.
struct ClientRef {
    ClientKey key;
    uint64_t hash;
};

class ClientTable {
public:
    static constexpr unsigned kProbe = 8; // slots examined per lookup

    // capacity: power of two (config validates it). ipv6_prefix: bits of an
    // IPv6 client kept in the key (64 aggregates a /64 as one client).
    // seed keys the hash (a per-run secret: recontap draws one at start), so
    // which addresses share a slot cannot be worked out from outside: with
    // the public hash, 8 spoofed addresses pushed a chosen client's state
    // out before its detection fired (a second attack round).
    ClientTable(std::size_t capacity, unsigned ipv6_prefix = 64, uint64_t seed = 0);

    static ClientKey make_key(const dns::IpAddr& addr, unsigned ipv6_prefix);
    // Well-mixed hash of a key: every key bit reaches every hash bit, so
    // IPv6 /64s that differ only in their last bytes spread over the table.
    // The table indexes with the low bits; steering picks a worker from the
    // high 32, so the two choices stay independent.
    static uint64_t key_hash(const ClientKey& k, uint64_t seed = 0);
    static ClientRef ref(const dns::IpAddr& addr, unsigned ipv6_prefix, uint64_t seed = 0) {
        ClientKey k = make_key(addr, ipv6_prefix);
        return {k, key_hash(k, seed)};
    }
    ClientRef ref(const dns::IpAddr& addr) const { return ref(addr, ipv6_prefix_, seed_); }

    // Returns the client's state, creating (zeroed, key set) if absent. Never
    // fails: evicts when it must. `created` tells whether it is new.
    ClientState& find_or_insert(const ClientRef& client, uint64_t now_ns, bool& created);
    ClientState& find_or_insert(const dns::IpAddr& addr, uint64_t now_ns, bool& created) {
        return find_or_insert(ref(addr), now_ns, created);
    }
    // Starts loading the first slot a lookup of `hash` reads, a few packets
    // ahead of the lookup: every line of it, since a query reads ENUM's lines
    // 2-4 as well as the key's line 0, and the table is far larger than the
    // caches (a line not asked for early is a wait for memory).
    void prefetch(uint64_t hash) const {
        const char* slot = reinterpret_cast<const char*>(&slots_[hash & mask_]);
        for (std::size_t line = 0; line < sizeof(ClientState); line += 64) __builtin_prefetch(slot + line);
    }

    std::size_t capacity() const { return mask_ + 1; }
    std::size_t active() const { return active_; }
    uint64_t evictions() const { return evictions_; }
    std::size_t memory_bytes() const { return capacity() * sizeof(ClientState); }

private:
    struct FreeDeleter {
        void operator()(ClientState* p) const;
    };
    std::unique_ptr<ClientState[], FreeDeleter> slots_;
    std::size_t mask_;
    unsigned ipv6_prefix_;
    uint64_t seed_;
    std::size_t active_ = 0;
    uint64_t evictions_ = 0;
};

} // namespace recontap::state
