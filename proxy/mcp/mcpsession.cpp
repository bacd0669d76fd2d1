#include "mcp/mcpsession.h"

#include "core/logging.h"
#include "core/names.h"
#include "core/version.h"
#include "mcp/protocolversion.h"

#include <memory>

namespace keyward::mcp {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("core.mcp");
    return logger;
}

constexpr const char *kInstructions =
    "Keyward lets you call the user's APIs without ever seeing their keys. Call `list_services` to learn which "
    "services you may use and what their rules allow, then `execute` to make a request. Denied calls say which "
    "rule stopped them; do not try to work around a denial.";

// Collects the responses of a batch and replies once all its requests have answered.
struct BatchCollector {
    json responses = json::array();
    int outstanding = 0;
    bool sealed = false;
    std::function<void(const QByteArray &)> reply;

    void maybeFinish()
    {
        if (!sealed || outstanding > 0)
            return;
        reply(responses.empty() ? QByteArray() : serialize(responses));
    }
};

} // namespace

McpSession::McpSession(ToolProvider &tools, QString agentOverride, QObject *parent)
    : QObject(parent), m_tools(tools), m_agentOverride(std::move(agentOverride))
{
    m_caller.agent = m_agentOverride;
}

void McpSession::finishReply(const ReplyCallback &reply, const QByteArray &bytes)
{
    reply(bytes);
    if (--m_pending == 0)
        Q_EMIT idle();
}

void McpSession::receive(const QByteArray &frame, ReplyCallback reply, std::shared_ptr<Cancellation> cancellation)
{
    ++m_pending;
    m_frameCancellation = std::move(cancellation);
    struct ClearFrame {
        std::shared_ptr<Cancellation> &slot;
        ~ClearFrame() { slot.reset(); }
    } clear{m_frameCancellation};
    const RpcFrame parsed = parseFrame(frame);

    if (const auto *error = std::get_if<RpcParseError>(&parsed)) {
        finishReply(reply, serialize(makeError(nullptr, rpc_error::kParseError, error->message)));
        return;
    }

    if (const auto *message = std::get_if<RpcMessage>(&parsed)) {
        handleMessage(*message, [this, reply](json response) {
            finishReply(reply, response.is_null() ? QByteArray() : serialize(response));
        });
        return;
    }

    const auto &batch = std::get<RpcBatch>(parsed);
    if (!isInitialized() || !allowsBatches(m_protocolVersion)) {
        const std::string why = isInitialized()
                                    ? "Invalid Request: JSON-RPC batches are not part of MCP " + m_protocolVersion
                                    : "Invalid Request: a batch cannot come before initialize";
        finishReply(reply, serialize(makeError(nullptr, rpc_error::kInvalidRequest, why)));
        return;
    }
    if (batch.empty()) {
        finishReply(reply, serialize(makeError(nullptr, rpc_error::kInvalidRequest, "Invalid Request: empty batch")));
        return;
    }

    auto collector = std::make_shared<BatchCollector>();
    collector->reply = [this, reply](const QByteArray &bytes) { finishReply(reply, bytes); };
    for (const RpcMessage &message : batch) {
        if (const auto *request = std::get_if<RpcRequest>(&message); request && request->method == "initialize") {
            collector->responses.push_back(makeError(request->id, rpc_error::kInvalidRequest,
                                                     "Invalid Request: initialize cannot be part of a batch"));
            continue;
        }
        ++collector->outstanding;
        handleMessage(message, [collector](json response) {
            if (!response.is_null())
                collector->responses.push_back(std::move(response));
            --collector->outstanding;
            collector->maybeFinish();
        });
    }
    collector->sealed = true;
    collector->maybeFinish();
}

void McpSession::handleMessage(const RpcMessage &message, ResponseCallback respond)
{
    if (const auto *request = std::get_if<RpcRequest>(&message)) {
        handleRequest(*request, std::move(respond));
    } else if (const auto *notification = std::get_if<RpcNotification>(&message)) {
        handleNotification(*notification);
        respond(nullptr);
    } else if (const auto *invalid = std::get_if<RpcInvalid>(&message)) {
        respond(makeError(invalid->id, invalid->code, invalid->message));
    } else {
        log()->debug("ignoring a response from the client (Keyward sends no requests)");
        respond(nullptr);
    }
}

void McpSession::handleRequest(const RpcRequest &request, ResponseCallback respond)
{
    if (!request.params.is_null() && !request.params.is_object()) {
        respond(makeError(request.id, rpc_error::kInvalidParams, "Invalid params: \"params\" must be an object"));
        return;
    }
    if (request.method == "ping") {
        respond(makeResult(request.id, json::object()));
        return;
    }
    if (request.method == "initialize") {
        if (isInitialized()) {
            respond(makeError(request.id, rpc_error::kInvalidRequest, "Invalid Request: the session is already initialized"));
            return;
        }
        respond(initialize(request));
        return;
    }

    const bool known = request.method == "tools/list" || request.method == "tools/call";
    if (!known) {
        respond(makeError(request.id, rpc_error::kMethodNotFound, "Method not found: " + request.method));
        return;
    }
    if (!isInitialized()) {
        respond(makeError(request.id, rpc_error::kInvalidRequest,
                          "Invalid Request: send initialize before " + request.method));
        return;
    }
    if (request.method == "tools/list") {
        respond(makeResult(request.id, json{{"tools", m_tools.toolDefinitions()}}));
        return;
    }
    callTool(request, std::move(respond));
}

json McpSession::initialize(const RpcRequest &request)
{
    const json &params = request.params;
    if (!params.is_object() || !params.contains("protocolVersion") || !params["protocolVersion"].is_string())
        return makeError(request.id, rpc_error::kInvalidParams, "Invalid params: initialize needs a string \"protocolVersion\"");
    if (params.contains("capabilities") && !params["capabilities"].is_object())
        return makeError(request.id, rpc_error::kInvalidParams, "Invalid params: \"capabilities\" must be an object");

    QString clientName;
    if (const auto info = params.find("clientInfo"); info != params.end()) {
        if (!info->is_object() || (info->contains("name") && !(*info)["name"].is_string()))
            return makeError(request.id, rpc_error::kInvalidParams, "Invalid params: \"clientInfo.name\" must be a string");
        clientName = QString::fromStdString(info->value("name", std::string()));
    }

    m_protocolVersion = negotiateProtocolVersion(params["protocolVersion"].get<std::string>());
    m_caller.client = clientName;
    m_caller.agent = m_agentOverride.isEmpty() ? foldToName(clientName) : m_agentOverride;
    log()->info("session initialized: protocol {}, agent {}", m_protocolVersion, m_caller.agent.toStdString());

    return makeResult(request.id, json{{"protocolVersion", m_protocolVersion},
                                       {"capabilities", {{"tools", {{"listChanged", true}}}}},
                                       {"serverInfo", {{"name", "keyward"}, {"title", "Keyward"}, {"version", kVersion}}},
                                       {"instructions", kInstructions}});
}

void McpSession::callTool(const RpcRequest &request, ResponseCallback respond)
{
    const json &params = request.params;
    if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
        respond(makeError(request.id, rpc_error::kInvalidParams, "Invalid params: tools/call needs a string \"name\""));
        return;
    }
    const std::string name = params["name"].get<std::string>();
    if (!m_tools.hasTool(name)) {
        respond(makeError(request.id, rpc_error::kInvalidParams, "Unknown tool: " + name));
        return;
    }
    json arguments = json::object();
    if (const auto args = params.find("arguments"); args != params.end() && !args->is_null()) {
        if (!args->is_object()) {
            respond(makeError(request.id, rpc_error::kInvalidParams, "Invalid params: \"arguments\" must be an object"));
            return;
        }
        arguments = *args;
    }

    const json id = request.id;
    m_tools.callTool(ToolCall{name, std::move(arguments), m_caller, m_frameCancellation},
                     [id, respond = std::move(respond)](json result) { respond(makeResult(id, std::move(result))); });
}

void McpSession::handleNotification(const RpcNotification &notification)
{
    // notifications/initialized needs no action: requests are served as soon as initialize has
    // been answered. Cancellation and the rest carry nothing Keyward acts on yet.
    log()->debug("notification {}", notification.method);
}

} // namespace keyward::mcp
