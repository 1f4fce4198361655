// Fixed-capacity open-addressing table shared by the TCP and IP reassemblers:
// slots and their byte buffers are allocated once at construction; lookups
// probe a short window, and a full window reuses an expired slot or evicts
// the least recently used one. No allocation after construction.
#pragma once
#include "dns/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace recontap::dns {

// Key of a flow or datagram: addresses, ports (or IP id) and protocol.
struct FlowKey {
    IpAddr src, dst;
    uint32_t a = 0, b = 0; // TCP: sport, dport. IP fragments: id, protocol
    bool operator==(const FlowKey&) const = default;
};

inline uint64_t hash_key(const FlowKey& k) {
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t(k.a) << 32 | k.b);
    auto mix = [&h](const uint8_t* p, std::size_t n) {
        for (std::size_t i = 0; i < n; i += 8) {
            uint64_t w;
            std::memcpy(&w, p + i, 8);
            h = (h ^ w) * 0x100000001b3ull;
            h ^= h >> 29;
        }
    };
    mix(k.src.bytes, 16);
    mix(k.dst.bytes, 16);
    return h ^ (h >> 32);
}

enum class SlotOutcome : uint8_t { found, created, reused_expired, evicted, none };

// Slot must have: FlowKey key; bool used; uint64_t last_ts.
template <class Slot>
class SlotTable {
public:
    static constexpr std::size_t kProbe = 8;

    SlotTable(std::size_t capacity, std::size_t bytes_per_slot)
        : mask_(round_up_pow2(capacity < kProbe ? kProbe : capacity) - 1),
          slots_(new Slot[mask_ + 1]()),
          bytes_per_slot_(bytes_per_slot),
          buffers_(new uint8_t[(mask_ + 1) * bytes_per_slot]) {}

    std::size_t capacity() const { return mask_ + 1; }
    uint8_t* buffer(const Slot& s) { return buffers_.get() + std::size_t(&s - slots_.get()) * bytes_per_slot_; }
    std::size_t bytes_per_slot() const { return bytes_per_slot_; }

    Slot* find(const FlowKey& key) {
        std::size_t h = hash_key(key);
        for (std::size_t i = 0; i < kProbe; ++i) {
            Slot& s = slots_[(h + i) & mask_];
            if (s.used && s.key == key) return &s;
        }
        return nullptr;
    }

    // Finds key or claims a slot for it (the slot is reset to Slot{}). A slot
    // taken from another key (evicted or expired) is shown to on_replace first.
    template <class OnReplace = void (*)(const Slot&)>
    Slot* find_or_claim(const FlowKey& key, uint64_t now, uint64_t idle_ns, SlotOutcome& outcome,
                        OnReplace&& on_replace = [](const Slot&) {}) {
        std::size_t h = hash_key(key);
        Slot* free_slot = nullptr;
        Slot* oldest = nullptr;
        for (std::size_t i = 0; i < kProbe; ++i) {
            Slot& s = slots_[(h + i) & mask_];
            if (s.used && s.key == key) {
                outcome = SlotOutcome::found;
                return &s;
            }
            if (!s.used) {
                if (!free_slot) free_slot = &s;
            } else if (!oldest || s.last_ts < oldest->last_ts) {
                oldest = &s;
            }
        }
        Slot* chosen = free_slot;
        outcome = SlotOutcome::created;
        if (!chosen) {
            chosen = oldest;
            outcome = now - oldest->last_ts > idle_ns && now >= oldest->last_ts ? SlotOutcome::reused_expired
                                                                                : SlotOutcome::evicted;
            on_replace(static_cast<const Slot&>(*oldest));
        }
        *chosen = Slot{};
        chosen->used = true;
        chosen->key = key;
        chosen->last_ts = now;
        return chosen;
    }

    void release(Slot& s) { s.used = false; }

    std::size_t active() const {
        return count_used_if([](const Slot&) { return true; });
    }
    template <class Pred>
    std::size_t count_used_if(Pred pred) const {
        std::size_t n = 0;
        for (std::size_t i = 0; i <= mask_; ++i) n += slots_[i].used && pred(slots_[i]);
        return n;
    }

private:
    static std::size_t round_up_pow2(std::size_t v) {
        std::size_t p = 1;
        while (p < v) p <<= 1;
        return p;
    }
    std::size_t mask_;
    std::unique_ptr<Slot[]> slots_;
    std::size_t bytes_per_slot_;
    std::unique_ptr<uint8_t[]> buffers_;
};

// Non-owning callable reference: lets the reassemblers keep their logic in
// .cpp files while callers pass lambdas (one indirect call per message).
template <class Sig> class FunctionRef;
template <class R, class... Args>
class FunctionRef<R(Args...)> {
public:
    template <class F>
    FunctionRef(F& f) : obj_(&f), call_([](void* o, Args... a) -> R { return (*static_cast<F*>(o))(a...); }) {}
    R operator()(Args... a) const { return call_(obj_, a...); }

private:
    void* obj_;
    R (*call_)(void*, Args...);
};

} // namespace recontap::dns
