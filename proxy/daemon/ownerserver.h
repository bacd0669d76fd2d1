#pragma once

#include "core/result.h"
#include "mcp/toolprovider.h"

#include <nlohmann/json.hpp>

#include <QLocalServer>
#include <QObject>
#include <QString>

#include <functional>
#include <map>

namespace keyward::daemon {

// The owner's side of the local socket (ownerprotocol.h): accepts connections from this user
// only, reads each hello, serves an MCP session per "mcp" connection on the shared ToolProvider
// (the agent is the hello's `agent`, else the client's name), and answers "admin" requests through
// the AdminHandler. When an MCP connection closes, the tool calls it started are cancelled
// ("bridge disconnected") and its session is dropped once they have ended.
class OwnerServer : public QObject {
    Q_OBJECT
public:
    // Answers one admin op ("status", "reload", "unlock", "stop"): the fields to send with ok:true, or
    // an error to send as ok:false. Runs on the event loop; must not block.
    using AdminHandler = std::function<Result<nlohmann::json>(const std::string &op, const nlohmann::json &hello)>;

    // Answers one admin op later, e.g. once the user has decided in a dialog: `answer` sends the
    // fields (ok:true) or the error (ok:false) and closes the connection. It must be called at most
    // once, from the event loop; it does nothing once the client has gone. `connection` lives as
    // long as the client's connection: its destroyed() signal says the question is moot (the
    // client went away, or was answered).
    using AnswerCallback = std::function<void(Result<nlohmann::json>)>;
    using DeferredAdminHandler =
        std::function<void(const nlohmann::json &hello, AnswerCallback answer, QObject *connection)>;

    OwnerServer(mcp::ToolProvider &tools, AdminHandler admin, QObject *parent = nullptr);
    ~OwnerServer() override;

    // Listens on `socketPath`, replacing a socket file left by a process that died: call it only
    // while holding the home's OwnerLock. The socket is accessible to this user only.
    Result<void> listen(const QString &socketPath);
    // Routes the admin op `op` to `handler` instead of the AdminHandler (no time limit applies to
    // its answer: the client decides how long it waits).
    void setDeferredAdminOp(const std::string &op, DeferredAdminHandler handler);
    // Stops listening and removes the socket file; open connections are closed.
    void close();

    QString socketPath() const { return m_socketPath; }
    int mcpConnectionCount() const { return m_mcpConnections; }

private:
    class Connection;
    void onNewConnection();

    mcp::ToolProvider &m_tools;
    AdminHandler m_admin;
    std::map<std::string, DeferredAdminHandler> m_deferred;
    QLocalServer m_server;
    QString m_socketPath;
    int m_mcpConnections = 0;
};

} // namespace keyward::daemon
