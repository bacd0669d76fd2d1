// parseFrame + McpSession::receive on fuzzed lines: every line of the input is one frame of a
// fresh session. Properties: no crash; receive() replies exactly once per frame; a reply is one
// line of JSON; a request-shaped frame (an object with a string or integer `id` and a `method`)
// gets exactly one response carrying its id, also inside a batch.
#include "fuzzcheck.h"

#include "mcp/jsonrpc.h"
#include "mcp/mcpsession.h"
#include "mcp/toolprovider.h"

#include <spdlog/spdlog.h>

#include <QByteArray>
#include <QList>

#include <cstddef>
#include <cstdint>

using namespace keyward::mcp;

namespace {

// Answers synchronously: `echo` succeeds with its arguments, `fail` returns a tool error.
class FakeTools : public ToolProvider {
public:
    json toolDefinitions() const override
    {
        return json::array({{{"name", "echo"}, {"inputSchema", {{"type", "object"}}}},
                            {{"name", "fail"}, {"inputSchema", {{"type", "object"}}}}});
    }
    bool hasTool(const std::string &name) const override { return name == "echo" || name == "fail"; }
    void callTool(const ToolCall &call, ResultCallback done) override
    {
        FUZZ_CHECK(call.arguments.is_object());
        if (call.name == "echo")
            done(toolSuccess(call.arguments));
        else
            done(toolError("denied", "fuzz", "rule"));
    }
};

bool isRequestShaped(const json &value, json *id)
{
    if (!value.is_object() || !value.contains("method"))
        return false;
    const auto it = value.find("id");
    if (it == value.end() || !(it->is_string() || it->is_number_integer()))
        return false;
    *id = *it;
    return true;
}

int countWithId(const json &responses, const json &id)
{
    int n = 0;
    for (const json &response : responses) {
        if (response.is_object() && response.contains("id") && response["id"] == id)
            ++n;
    }
    return n;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    spdlog::set_level(spdlog::level::off); // loggers created later inherit it
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QList<QByteArray> lines = QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)).split('\n');
    if (lines.size() > 32)
        return 0;

    FakeTools tools;
    McpSession session(tools, (size % 2) ? QStringLiteral("fuzz-agent") : QString());
    for (const QByteArray &line : lines) {
        int calls = 0;
        QByteArray reply;
        session.receive(line, [&](const QByteArray &bytes) {
            ++calls;
            reply = bytes;
        });
        FUZZ_CHECK(calls == 1);
        FUZZ_CHECK(session.pendingReplies() == 0);
        FUZZ_CHECK(!reply.contains('\n'));

        // Whatever parseFrame made of the line, the session must agree with this oracle.
        const json sent = json::parse(line.begin(), line.end(), nullptr, false);
        json id;
        if (reply.isEmpty()) {
            FUZZ_CHECK(!isRequestShaped(sent, &id));
            FUZZ_CHECK(!std::holds_alternative<RpcParseError>(parseFrame(line)));
            continue;
        }
        const json answer = json::parse(reply.begin(), reply.end(), nullptr, false);
        FUZZ_CHECK(!answer.is_discarded());
        FUZZ_CHECK(answer.is_object() || answer.is_array());
        if (isRequestShaped(sent, &id)) {
            FUZZ_CHECK(answer.is_object());
            FUZZ_CHECK(answer.contains("id") && answer["id"] == id);
            FUZZ_CHECK(answer.contains("result") != answer.contains("error"));
        }
        if (sent.is_array() && answer.is_array()) {
            for (const json &item : sent) {
                if (isRequestShaped(item, &id)) {
                    int expected = 0;
                    for (const json &other : sent) {
                        json otherId;
                        if (isRequestShaped(other, &otherId) && otherId == id)
                            ++expected;
                    }
                    FUZZ_CHECK(countWithId(answer, id) >= expected);
                }
            }
        }
    }
    return 0;
}
