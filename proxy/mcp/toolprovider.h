#pragma once

#include "core/cancellation.h"

#include <nlohmann/json.hpp>

#include <QString>

#include <functional>
#include <memory>
#include <string>

namespace keyward::mcp {

// Who is calling: the agent name that policy and audit use, and the client as it named itself
// in `initialize` (clientInfo.name).
struct CallerIdentity {
    QString agent;
    QString client;
};

struct ToolCall {
    std::string name;
    nlohmann::json arguments; // always an object
    CallerIdentity caller;
    // Signals that nobody waits for the result any more (the client went away); may be null.
    std::shared_ptr<Cancellation> cancellation;
};

// The tools an MCP session offers. The session validates the JSON-RPC envelope; the provider owns
// everything about its tools: definitions, argument validation, and results.
class ToolProvider {
public:
    // Receives an MCP CallToolResult object (see toolSuccess/toolError).
    using ResultCallback = std::function<void(nlohmann::json)>;

    virtual ~ToolProvider() = default;

    // The `tools` array of a tools/list result.
    virtual nlohmann::json toolDefinitions() const = 0;
    virtual bool hasTool(const std::string &name) const = 0;
    // Calls a tool that hasTool() accepted. `done` is called exactly once, now or later, with the
    // result; a failure of the call itself (denied, upstream error, bad arguments) is a result
    // with isError, never an exception.
    virtual void callTool(const ToolCall &call, ResultCallback done) = 0;
};

// A successful CallToolResult: `structured` as structuredContent and as one text block.
nlohmann::json toolSuccess(const nlohmann::json &structured);
// A failed CallToolResult: one text block `{error, rule?, message}`, isError, no structuredContent.
nlohmann::json toolError(const std::string &error, const std::string &message, const std::string &rule = {});

} // namespace keyward::mcp
