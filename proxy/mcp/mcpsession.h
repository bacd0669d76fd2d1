#pragma once

#include "mcp/jsonrpc.h"
#include "mcp/toolprovider.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <string>

namespace keyward::mcp {

// One MCP session, independent of its transport: framed messages in, serialized responses out.
// Handles the lifecycle (initialize with version negotiation, notifications/initialized, ping),
// tools/list and tools/call (delegated to a ToolProvider), and every JSON-RPC error.
class McpSession : public QObject {
    Q_OBJECT
public:
    // Receives the serialized response to one received frame (a message or a batch), or an empty
    // QByteArray when the frame needs no response (it held only notifications or responses).
    using ReplyCallback = std::function<void(const QByteArray &)>;

    // `agentOverride` is the agent name fixed by the transport (`--agent` on stdio, the token's
    // agent on HTTP); when empty the agent is clientInfo.name folded into a name.
    McpSession(ToolProvider &tools, QString agentOverride, QObject *parent = nullptr);

    // Handles one frame. `reply` is called exactly once, possibly before receive() returns,
    // possibly later (when a tool call completes). `cancellation`, when given, reaches every tool
    // call the frame starts: the transport cancels it when nobody waits for the reply any more
    // (the calls then end early and `reply` is still called once).
    void receive(const QByteArray &frame, ReplyCallback reply, std::shared_ptr<Cancellation> cancellation = nullptr);

    // Frames received whose reply has not been sent yet.
    int pendingReplies() const { return m_pending; }
    bool isInitialized() const { return !m_protocolVersion.empty(); }
    const std::string &protocolVersion() const { return m_protocolVersion; }
    const CallerIdentity &caller() const { return m_caller; }

Q_SIGNALS:
    // Emitted when pendingReplies() drops to zero.
    void idle();

private:
    using ResponseCallback = std::function<void(json)>;

    void handleMessage(const RpcMessage &message, ResponseCallback respond);
    void handleRequest(const RpcRequest &request, ResponseCallback respond);
    void handleNotification(const RpcNotification &notification);
    json initialize(const RpcRequest &request);
    void callTool(const RpcRequest &request, ResponseCallback respond);
    void finishReply(const ReplyCallback &reply, const QByteArray &bytes);

    ToolProvider &m_tools;
    // The cancellation of the frame being handled (receive() is not re-entered while it is set).
    std::shared_ptr<Cancellation> m_frameCancellation;
    QString m_agentOverride;
    CallerIdentity m_caller;
    std::string m_protocolVersion;
    int m_pending = 0;
};

} // namespace keyward::mcp
