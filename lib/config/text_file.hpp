// Reading a whole configuration or rule file, for the control path.
#pragma once
#include <optional>
#include <string>

namespace recontap::config {

// The file's bytes, or nullopt with error_number set to the errno that stopped
// the read (callers report "PATH: cannot read: strerror(error_number)").
std::optional<std::string> read_text_file(const std::string& path, int& error_number);

} // namespace recontap::config
