#pragma once

#include "mcp/toolprovider.h"

namespace keyward::mcp {

// Offers Keyward's two tools with their real definitions while this build has no execution core:
// every call is an isError result saying so, never a fake success.
class UnavailableTools : public ToolProvider {
public:
    nlohmann::json toolDefinitions() const override;
    bool hasTool(const std::string &name) const override;
    void callTool(const ToolCall &call, ResultCallback done) override;
};

} // namespace keyward::mcp
