#include "mcp/keywardtools.h"

#include "mcp/toolcatalog.h"
#include "upstream/callexecutor.h"

namespace keyward::mcp {

nlohmann::json KeywardTools::toolDefinitions() const
{
    return nlohmann::json::array({listServicesToolDefinition(), executeToolDefinition()});
}

bool KeywardTools::hasTool(const std::string &name) const
{
    return name == kListServicesTool || name == kExecuteTool;
}

void KeywardTools::callTool(const ToolCall &call, ResultCallback done)
{
    const Caller caller{call.caller.agent, call.caller.client};
    if (call.name == kListServicesTool) {
        done(toolSuccess(m_executor.listServices(caller)));
        return;
    }
    m_executor.execute(call.arguments, caller, std::move(done), call.cancellation);
}

} // namespace keyward::mcp
