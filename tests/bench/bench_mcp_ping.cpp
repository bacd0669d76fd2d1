// One MCP ping round trip through McpSession, as a ratio against the least any JSON-RPC server
// does with the same message: nlohmann parse + dump of the same bytes.

#include "bench.h"

#include "mcp/jsonrpc.h"
#include "mcp/mcpsession.h"
#include "mcp/toolcatalog.h"

#include <chrono>
#include <cstdio>

namespace keyward::bench {

namespace {

// The real tool definitions; calls are not part of this benchmark.
class DefinitionsOnly : public mcp::ToolProvider {
public:
    nlohmann::json toolDefinitions() const override
    {
        return nlohmann::json::array({mcp::listServicesToolDefinition(), mcp::executeToolDefinition()});
    }
    bool hasTool(const std::string &) const override { return false; }
    void callTool(const mcp::ToolCall &, ResultCallback done) override { done(nlohmann::json::object()); }
};

template <typename F>
double secondsFor(int iterations, F &&body)
{
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i)
        body(i);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

std::size_t runMcpPingBenchmark(int iterations)
{
    DefinitionsOnly tools;
    mcp::McpSession session(tools, QStringLiteral("bench"));
    session.receive(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})",
                    [](const QByteArray &) {});

    const QByteArray ping = R"({"jsonrpc":"2.0","id":12345,"method":"ping","params":{}})";
    std::size_t sink = 0;

    const double baseline = secondsFor(iterations, [&](int) {
        const auto value = nlohmann::json::parse(ping.begin(), ping.end(), nullptr, false);
        sink += mcp::serialize(value).size();
    });
    const double keyward = secondsFor(iterations, [&](int) {
        session.receive(ping, [&](const QByteArray &reply) { sink += std::size_t(reply.size()); });
    });

    std::printf("bench mcp_ping: %d iterations, baseline %.0f msg/s, keyward %.0f msg/s, ratio %.2f (keyward time / baseline time)\n",
                iterations, iterations / baseline, iterations / keyward, keyward / baseline);
    return sink;
}

} // namespace keyward::bench
