// keyward_bench: throughput of Keyward's hot paths as ratios against a baseline measured in the
// same run on the same machine. A ratio near 1 means Keyward adds little over the baseline.
//
//   ping round trip through McpSession   vs   nlohmann parse + dump of the same bytes
//
// Usage: keyward_bench [iterations]   (default 200000)

#include "mcp/jsonrpc.h"
#include "mcp/mcpsession.h"
#include "mcp/unavailabletools.h"

#include <QCoreApplication>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

template <typename F>
double secondsFor(int iterations, F &&body)
{
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i)
        body(i);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    spdlog::set_level(spdlog::level::warn);
    const int iterations = argc > 1 ? std::atoi(argv[1]) : 200000;
    if (iterations <= 0) {
        std::fprintf(stderr, "keyward_bench: iterations must be a positive number\n");
        return 2;
    }

    keyward::mcp::UnavailableTools tools;
    keyward::mcp::McpSession session(tools, QStringLiteral("bench"));
    session.receive(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})",
                    [](const QByteArray &) {});

    const QByteArray ping = R"({"jsonrpc":"2.0","id":12345,"method":"ping","params":{}})";
    std::size_t sink = 0;

    const double baseline = secondsFor(iterations, [&](int) {
        const auto value = nlohmann::json::parse(ping.begin(), ping.end(), nullptr, false);
        sink += keyward::mcp::serialize(value).size();
    });
    const double keyward = secondsFor(iterations, [&](int) {
        session.receive(ping, [&](const QByteArray &reply) { sink += std::size_t(reply.size()); });
    });

    std::printf("bench mcp_ping: %d iterations, baseline %.0f msg/s, keyward %.0f msg/s, ratio %.2f (keyward time / baseline time)\n",
                iterations, iterations / baseline, iterations / keyward, keyward / baseline);
    return sink > 0 ? 0 : 1;
}
