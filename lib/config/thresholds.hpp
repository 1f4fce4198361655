// [detectors] thresholds changed at run time (`recontapctl thresholds set`).
// A new value is validated by the same readers as the TOML file: the change
// is parsed as the one-line file "[detectors]\nKEY = VALUE", so the limits
// and messages cannot drift from what the loader accepts.
#pragma once
#include "config/config.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recontap::config {

// Keys recontapd applies itself (escalation, suppression, site-wide SPIKE); the data plane
// never reads them.
bool daemon_owned_threshold(std::string_view key);
// Keys recontapd applies too (its own, and those the site-wide SPIKE shares with the workers).
bool daemon_reads_threshold(std::string_view key);

// Every [detectors] key with its value as TOML writes it ("60", "0.5").
std::vector<std::pair<std::string, std::string>> threshold_values(const Detectors& d);

// Sets KEY from VALUE (text as on a command line: "500", "0.25") in d.
// Throws ConfigError "[detectors] KEY: message" for an unknown key or a value
// the loader would refuse; d is unchanged then.
void set_threshold(Detectors& d, std::string_view key, std::string_view value);

} // namespace recontap::config
