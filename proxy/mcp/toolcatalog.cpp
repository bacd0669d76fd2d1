#include "mcp/toolcatalog.h"

namespace keyward::mcp {

using json = nlohmann::json;

namespace {

json stringMap()
{
    return json{{"type", "object"}, {"additionalProperties", {{"type", "string"}}}};
}

json stringList()
{
    return json{{"type", "array"}, {"items", {{"type", "string"}}}};
}

} // namespace

json listServicesToolDefinition()
{
    const json rule{{"type", "object"},
                    {"properties",
                     {{"action", {{"type", "string"}, {"enum", {"allow", "deny", "ask"}}}},
                      {"method", {{"type", "string"}}},
                      {"path", {{"type", "string"}}}}},
                    {"required", {"action", "method", "path"}}};
    const json service{
        {"type", "object"},
        {"properties",
         {{"name", {{"type", "string"}}},
          {"description", {{"type", "string"}}},
          {"baseUrl", {{"type", "string"}}},
          {"auth", {{"type", "string"}, {"enum", {"bearer", "basic", "header", "query"}}}},
          {"rules", {{"type", "array"}, {"items", rule}}},
          {"rate", {{"type", {"object", "null"}}}},
          {"schedule", stringList()},
          {"requireReason", {{"type", "boolean"}}},
          {"state", {{"type", "string"}, {"enum", {"active", "disabled", "killed"}}}}}},
        {"required", {"name", "description", "baseUrl", "auth", "rules", "rate", "schedule", "requireReason", "state"}}};

    return json{
        {"name", kListServicesTool},
        {"title", "List services"},
        {"description",
         "Lists the APIs you may call through Keyward with `execute`: each service's name, base URL, "
         "authentication type, the rules that say which methods and paths are allowed, its rate limit, "
         "schedule, whether a reason is required, and whether it is active. Keyward holds the credentials; "
         "you never see or send them."},
        {"inputSchema", {{"type", "object"}, {"properties", json::object()}, {"additionalProperties", false}}},
        {"outputSchema",
         {{"type", "object"},
          {"properties", {{"services", {{"type", "array"}, {"items", service}}}}},
          {"required", {"services"}}}},
        {"annotations", {{"readOnlyHint", true}, {"openWorldHint", false}}},
    };
}

json executeToolDefinition()
{
    return json{
        {"name", kExecuteTool},
        {"title", "Call an API"},
        {"description",
         "Calls an HTTP API through Keyward, which adds the service's credential, checks the call against the "
         "user's policy, and returns the response. Use `list_services` first to see the services and what they "
         "allow. Never put credentials in headers, query or body: Keyward injects them."},
        {"inputSchema",
         {{"type", "object"},
          {"properties",
           {{"service", {{"type", "string"}, {"description", "Service name from list_services."}}},
            {"method",
             {{"type", "string"},
              {"enum", {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}},
              {"description", "HTTP method, uppercase."}}},
            {"path",
             {{"type", "string"},
              {"description",
               "Path relative to the service's base URL, starting with '/' (e.g. /users on base https://x/v1 calls "
               "https://x/v1/users). No query string: use `query`."}}},
            {"query",
             {{"type", "object"},
              {"additionalProperties", {{"anyOf", json::array({{{"type", "string"}}, stringList()})}}},
              {"description", "Query parameters; a value is a string or an array of strings."}}},
            {"headers", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}},
                         {"description", "Extra request headers (Accept, Content-Type, Idempotency-Key, ...)."}}},
            {"body",
             {{"description",
               "Request body: a string, or JSON (sent as application/json unless headers set Content-Type)."}}},
            {"bodyEncoding",
             {{"type", "string"}, {"enum", {"utf8", "base64"}}, {"description", "\"base64\" for a binary body."}}},
            {"reason", {{"type", "string"}, {"description", "Why you make this call (some services require it)."}}}}},
          {"required", {"service", "method", "path"}},
          {"additionalProperties", false}}},
        {"outputSchema",
         {{"type", "object"},
          {"properties",
           {{"status", {{"type", "integer"}}},
            {"headers", stringMap()},
            {"body", json::object()},
            {"bodyEncoding", {{"type", "string"}, {"enum", {"base64"}}}},
            {"truncated", {{"type", "boolean"}}},
            {"droppedHeaders", stringList()}}},
          {"required", {"status", "headers", "body", "truncated"}}}},
        {"annotations", {{"readOnlyHint", false}, {"destructiveHint", true}, {"openWorldHint", true}}},
    };
}

} // namespace keyward::mcp
