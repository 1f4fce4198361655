// The detection catalogue (DESIGN.md "Detections"): one function per
// detector, one file each. Each reads the observation, updates the counters
// it owns in the client's state and fires through the Emitter. The engine
// calls them in order for every DNS message after the shared counts
// (queries, responses) are updated.
#pragma once
#include "detect/emit.hpp"
#include "detect/observation.hpp"
#include "detect/site.hpp"
#include "rules/rules.hpp"
#include "state/client_state.hpp"

namespace recontap::detect {

// Sub-kinds reported under RARE and MISCONF (detail tag in the record).
enum RareKind : unsigned { rare_axfr, rare_ixfr, rare_any, rare_chaos, rare_nsec_walk, rare_ptr_sweep, rare_srv_breadth };
enum MisconfKind : unsigned { misconf_transfer, misconf_open_recursion, misconf_version };

void detect_bulk(const Observation& o, state::ClientState& c, Emitter& e);
void detect_nxd(const Observation& o, state::ClientState& c, Emitter& e);
void detect_pdns(const Observation& o, state::ClientState& c, Emitter& e, const rules::RuleSet& rules);
void detect_sens(const Observation& o, state::ClientState& c, Emitter& e, const rules::RuleSet& rules);
void detect_rare(const Observation& o, state::ClientState& c, Emitter& e);
void detect_enum(const Observation& o, state::ClientState& c, Emitter& e);
void detect_ext(const Observation& o, state::ClientState& c, Emitter& e);
void detect_misconf(const Observation& o, state::ClientState& c, Emitter& e);
void detect_intel(const Observation& o, state::ClientState& c, Emitter& e, const Site& site);
void detect_spike(const Observation& o, state::ClientState& c, Emitter& e);
// Folds the closing window into the client's SPIKE baseline (engine, on roll-over).
void spike_close_window(state::ClientState& c, uint64_t windows_elapsed, const config::Detectors& t);

} // namespace recontap::detect
