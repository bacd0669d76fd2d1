#include "mcp/toolprovider.h"

namespace keyward::mcp {

using json = nlohmann::json;

namespace {
json textBlock(const json &value)
{
    return json{{"type", "text"}, {"text", value.dump(-1, ' ', false, json::error_handler_t::replace)}};
}
} // namespace

json toolSuccess(const json &structured)
{
    return json{{"content", json::array({textBlock(structured)})}, {"structuredContent", structured}, {"isError", false}};
}

json toolError(const std::string &error, const std::string &message, const std::string &rule)
{
    json body{{"error", error}};
    if (!rule.empty())
        body["rule"] = rule;
    body["message"] = message;
    return json{{"content", json::array({textBlock(body)})}, {"isError", true}};
}

} // namespace keyward::mcp
