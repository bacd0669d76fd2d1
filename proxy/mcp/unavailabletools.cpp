#include "mcp/unavailabletools.h"

#include "mcp/toolcatalog.h"

namespace keyward::mcp {

nlohmann::json UnavailableTools::toolDefinitions() const
{
    return nlohmann::json::array({listServicesToolDefinition(), executeToolDefinition()});
}

bool UnavailableTools::hasTool(const std::string &name) const
{
    return name == kListServicesTool || name == kExecuteTool;
}

void UnavailableTools::callTool(const ToolCall &call, ResultCallback done)
{
    done(toolError("denied", "`" + call.name + "` is not implemented yet in this Keyward build: no service can be called",
                   "keyward:not_implemented"));
}

} // namespace keyward::mcp
