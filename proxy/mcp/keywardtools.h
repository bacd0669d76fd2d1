#pragma once

#include "mcp/toolprovider.h"

namespace keyward {
class CallExecutor;
}

namespace keyward::mcp {

// Keyward's two tools, `list_services` and `execute`, served by a CallExecutor.
class KeywardTools : public ToolProvider {
public:
    explicit KeywardTools(CallExecutor &executor) : m_executor(executor) {}

    nlohmann::json toolDefinitions() const override;
    bool hasTool(const std::string &name) const override;
    void callTool(const ToolCall &call, ResultCallback done) override;

private:
    CallExecutor &m_executor;
};

} // namespace keyward::mcp
