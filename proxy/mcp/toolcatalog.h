#pragma once

#include <nlohmann/json.hpp>

namespace keyward::mcp {

// The definitions (name, description, inputSchema, outputSchema, annotations) of Keyward's two
// MCP tools, exactly as DESIGN.md's MCP surface describes them.
nlohmann::json listServicesToolDefinition();
nlohmann::json executeToolDefinition();

inline constexpr const char *kListServicesTool = "list_services";
inline constexpr const char *kExecuteTool = "execute";

} // namespace keyward::mcp
