// The sub-kind tags RARE, MISCONF and site-wide SPIKE records carry in DetectionRecord.detail.
// Both processes use these names: the data plane writes them, recontapd picks
// the analyst's next steps by them (lib/mgmt/catalogue.cpp). Renaming one is
// a change of the record contract.
#pragma once

namespace recontap::shm::detail_tag {

// RARE
inline constexpr const char* kAxfr = "AXFR";
inline constexpr const char* kIxfr = "IXFR";
inline constexpr const char* kAny = "ANY";
inline constexpr const char* kChaos = "CHAOS";
inline constexpr const char* kNsecWalk = "NSEC walk";
inline constexpr const char* kPtrSweep = "PTR sweep";
inline constexpr const char* kSrvBreadth = "SRV breadth";

// SPIKE (recontapd's own site-wide judgement, mgmt/site_spike.cpp)
inline constexpr const char* kSiteWide = "site-wide";

// MISCONF
inline constexpr const char* kTransferAnswered = "zone transfer answered";
inline constexpr const char* kVersionDisclosed = "version disclosed";
inline constexpr const char* kIdentityDisclosed = "identity disclosed"; // hostname.bind, id.server
inline constexpr const char* kOpenRecursion = "recursion for an outsider";

} // namespace recontap::shm::detail_tag
