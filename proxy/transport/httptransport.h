#pragma once

#include "core/result.h"
#include "mcp/toolprovider.h"
#include "transport/httplimits.h"
#include "transport/httpresponder.h"

#include <QByteArrayView>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <memory>

class QHttpServerRequest;
class QTcpSocket;

namespace keyward::transport {

class HttpConnectionPool;
class McpSessionTable;

// Returns the agent name a bearer token belongs to, or an Error (code "unauthorized") whose message
// may be shown to the client. Any other error code is answered 503 with its message.
using TokenAuthenticator = std::function<Result<QString>(QByteArrayView token)>;

// MCP's Streamable HTTP transport on http://127.0.0.1:PORT/mcp (and [::1]:PORT), plus the plumbing
// of the /proxy endpoint. On every request, in order: the Host header must name the listener
// exactly and an Origin, when present, must be a loopback http origin (else 403); then /mcp needs
// `Authorization: Bearer <agent token>` (else 401); POST carries JSON-RPC frames, DELETE ends a
// session, other methods get 405 (no server-initiated messages exist). Each MCP session is an
// McpSession bound to the token's agent; requests on a session are served concurrently. Request
// size limits and timeouts: see HttpLimits. Nothing that could hold a secret (tokens, bodies,
// header values) is logged.
//
// Contract: create and use it on the thread that runs the event loop. Destroying it cancels the
// calls in progress ("connection closed", "server shutting down").
class HttpTransport : public QObject {
    Q_OBJECT
public:
    HttpTransport(mcp::ToolProvider &tools, TokenAuthenticator authenticate, QObject *parent = nullptr);
    HttpTransport(mcp::ToolProvider &tools, TokenAuthenticator authenticate, const HttpLimits &limits,
                  QObject *parent = nullptr);
    ~HttpTransport() override;

    // Listens on 127.0.0.1 and ::1 on the same port; port 0 picks a free one for both. Raises the
    // soft file descriptor limit towards HttpLimits::maxConnections (or lowers the cap). An error
    // names the address and the reason. A host without IPv6 loopback is served on 127.0.0.1 only
    // (with a warning; see servesIpv6()). Call once.
    Result<void> listen(quint16 port);
    quint16 port() const { return m_port; }
    bool servesIpv6() const { return m_servesIpv6; }
    // "http://127.0.0.1:PORT/mcp"
    QString mcpUrl() const;

    // Answers requests to /proxy/<rest> (after the Host/Origin checks and size limits, before any
    // authentication: the handler authenticates). Without a handler they get 503.
    void setProxyHandler(ProxyHandler handler);

    // Open client connections and MCP sessions (for diagnostics and tests).
    int connectionCount() const;
    int sessionCount() const;

private:
    class Server;
    friend class Server;

    void handle(const QHttpServerRequest &request, QTcpSocket *socket);
    void handleMcp(const QHttpServerRequest &request, const std::shared_ptr<HttpStreamResponder> &responder,
                   const QString &peer);
    void handlePost(const QHttpServerRequest &request, const QString &agent,
                    const std::shared_ptr<HttpStreamResponder> &responder, const QString &peer);
    void handleDelete(const QHttpServerRequest &request, const QString &agent,
                      const std::shared_ptr<HttpStreamResponder> &responder, const QString &peer);
    void handleProxy(const QHttpServerRequest &request, const std::shared_ptr<HttpStreamResponder> &responder,
                     const QString &peer);

    mcp::ToolProvider &m_tools;
    TokenAuthenticator m_authenticate;
    const HttpLimits m_limits;
    ProxyHandler m_proxyHandler;
    Server *m_server = nullptr;
    HttpConnectionPool *m_pool = nullptr;
    McpSessionTable *m_sessions = nullptr;
    quint16 m_port = 0;
    bool m_servesIpv6 = false;
};

} // namespace keyward::transport
