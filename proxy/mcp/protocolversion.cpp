#include "mcp/protocolversion.h"

#include <algorithm>

namespace keyward::mcp {

bool isSupportedProtocolVersion(std::string_view version)
{
    return std::find(std::begin(kProtocolVersions), std::end(kProtocolVersions), version) != std::end(kProtocolVersions);
}

std::string negotiateProtocolVersion(std::string_view requested)
{
    return std::string(isSupportedProtocolVersion(requested) ? requested : kLatestProtocolVersion);
}

bool allowsBatches(std::string_view version)
{
    return version == "2025-03-26";
}

} // namespace keyward::mcp
