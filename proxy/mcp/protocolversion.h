#pragma once

#include <string>
#include <string_view>

namespace keyward::mcp {

// MCP protocol revisions Keyward speaks, newest first.
inline constexpr std::string_view kProtocolVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
inline constexpr std::string_view kLatestProtocolVersion = kProtocolVersions[0];

bool isSupportedProtocolVersion(std::string_view version);

// The version to answer an `initialize` that asked for `requested`: the same one when supported,
// otherwise the latest (the client then decides whether it can go on).
std::string negotiateProtocolVersion(std::string_view requested);

// Whether JSON-RPC batches are allowed in a session of this version (only 2025-03-26 has them).
bool allowsBatches(std::string_view version);

} // namespace keyward::mcp
