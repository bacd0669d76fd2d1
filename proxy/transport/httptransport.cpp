#include "transport/httptransport.h"

#include "core/logging.h"
#include "mcp/jsonrpc.h"
#include "mcp/protocolversion.h"
#include "transport/httpconnection.h"
#include "transport/httplistener.h"
#include "transport/httprules.h"
#include "transport/httpwire.h"
#include "transport/mcpsessiontable.h"

#include <QtHttpServer/QAbstractHttpServer>
#include <QtHttpServer/QHttpServerRequest>

#include <QHostAddress>
#include <QTcpSocket>

#ifndef Q_OS_WIN
#include <sys/resource.h>
#endif

namespace keyward::transport {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("core.http");
    return logger;
}

using Method = QHttpServerRequest::Method;
using HeaderList = QList<QPair<QByteArray, QByteArray>>;

const QByteArray kJson = QByteArrayLiteral("application/json");

QByteArray methodName(Method method)
{
    switch (method) {
    case Method::Get: return "GET";
    case Method::Put: return "PUT";
    case Method::Delete: return "DELETE";
    case Method::Post: return "POST";
    case Method::Head: return "HEAD";
    case Method::Options: return "OPTIONS";
    case Method::Patch: return "PATCH";
    default: return {};
    }
}

bool asksToClose(const HttpHeaders &headers)
{
    for (const QByteArray &value : headerValues(headers, "connection")) {
        for (const QByteArray &option : value.split(',')) {
            if (option.trimmed().compare("close", Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

// Answers with a JSON-RPC style error body and logs the status (never a header value or body).
void refuse(const std::shared_ptr<HttpStreamResponder> &responder, const QString &peer, const char *route, int status,
            int code, const QString &message, HeaderList extraHeaders = {})
{
    log()->debug("{} {} -> {}", peer.toStdString(), route, status);
    extraHeaders.prepend({"Content-Type", kJson});
    responder->reply(status, extraHeaders, jsonErrorBody(code, message));
}

QString supportedVersions()
{
    QStringList versions;
    for (const auto version : mcp::kProtocolVersions)
        versions.append(QString::fromLatin1(version.data(), qsizetype(version.size())));
    return versions.join(QStringLiteral(", "));
}

// Whether the MCP-Protocol-Version header is absent (2025-03-26 is assumed) or a supported version.
bool hasUsableProtocolVersion(const HttpHeaders &headers)
{
    const QList<QByteArray> versions = headerValues(headers, "mcp-protocol-version");
    if (versions.isEmpty())
        return true;
    return versions.size() == 1 && mcp::isSupportedProtocolVersion(versions.front().toStdString());
}

// The connection cap that fits the process's file descriptor limit, raising the soft limit towards
// what `wanted` connections need when the hard limit allows.
int connectionCapForDescriptorLimit(int wanted)
{
#ifdef Q_OS_WIN
    return wanted;
#else
    constexpr rlim_t kReserve = 128; // for files, the database, upstream connections...
    const rlim_t needed = rlim_t(wanted) + kReserve;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed)
        return wanted;
    const rlimit raised{limit.rlim_max == RLIM_INFINITY ? needed : std::min(limit.rlim_max, needed), limit.rlim_max};
    if (raised.rlim_cur > limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0)
        limit = raised;
    if (limit.rlim_cur >= needed)
        return wanted;
    const int cap = int(std::max<rlim_t>(limit.rlim_cur, 2 * kReserve) - kReserve);
    log()->warn("the file descriptor limit ({}) allows {} HTTP connections, not {}", limit.rlim_cur, cap, wanted);
    return cap;
#endif
}

} // namespace

class HttpTransport::Server final : public QAbstractHttpServer {
public:
    explicit Server(HttpTransport &transport) : QAbstractHttpServer(&transport), m_transport(transport) {}

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        m_transport.handle(request, socket);
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override {}

private:
    HttpTransport &m_transport;
};

HttpTransport::HttpTransport(mcp::ToolProvider &tools, TokenAuthenticator authenticate, QObject *parent)
    : HttpTransport(tools, std::move(authenticate), HttpLimits{}, parent)
{
}

HttpTransport::HttpTransport(mcp::ToolProvider &tools, TokenAuthenticator authenticate, const HttpLimits &limits,
                             QObject *parent)
    : QObject(parent), m_tools(tools), m_authenticate(std::move(authenticate)), m_limits(limits)
{
    m_server = new Server(*this);
    m_pool = new HttpConnectionPool(m_limits, m_server, this);
    m_sessions = new McpSessionTable(m_tools, m_limits, this);
}

HttpTransport::~HttpTransport()
{
    // Connections first (their replies are cancelled), then the sessions, then the pool.
    delete m_server;
    delete m_sessions;
    delete m_pool;
}

Result<void> HttpTransport::listen(quint16 port)
{
    if (m_port != 0)
        return Error{QStringLiteral("invalid_argument"), QStringLiteral("The HTTP transport is already listening.")};

    m_pool->setMaxConnections(connectionCapForDescriptorLimit(m_limits.maxConnections));

    // With port 0 the port picked on 127.0.0.1 may be taken on ::1: try a few.
    const int attempts = port == 0 ? 8 : 1;
    for (int attempt = 0; attempt < attempts; ++attempt) {
        auto *v4 = new GuardedTcpServer(m_pool);
        if (!v4->listen(QHostAddress::LocalHost, port)) {
            const QString why = v4->errorString();
            const bool inUse = v4->serverError() == QAbstractSocket::AddressInUseError;
            delete v4;
            return Error{QStringLiteral("http_listen"),
                         QStringLiteral("Cannot listen on 127.0.0.1:%1: %2%3")
                             .arg(port)
                             .arg(why, inUse ? QStringLiteral(" (another program uses this port; choose another one)")
                                             : QString())};
        }
        const quint16 chosen = v4->serverPort();
        auto *v6 = new GuardedTcpServer(m_pool);
        bool servesIpv6 = true;
        if (!v6->listen(QHostAddress::LocalHostIPv6, chosen)) {
            const auto error = v6->serverError();
            const QString why = v6->errorString();
            delete v6;
            v6 = nullptr;
            if (error == QAbstractSocket::AddressInUseError && port == 0) {
                delete v4;
                continue;
            }
            if (error == QAbstractSocket::UnsupportedSocketOperationError
                || error == QAbstractSocket::SocketAddressNotAvailableError) {
                log()->warn("IPv6 loopback [::1] is not available ({}): serving 127.0.0.1:{} only", why.toStdString(),
                            chosen);
                servesIpv6 = false;
            } else {
                delete v4;
                return Error{QStringLiteral("http_listen"),
                             QStringLiteral("Cannot listen on [::1]:%1: %2").arg(chosen).arg(why)};
            }
        }
        m_server->bind(v4);
        if (v6)
            m_server->bind(v6);
        m_port = chosen;
        m_servesIpv6 = servesIpv6;
        log()->info("MCP over HTTP on {}", mcpUrl().toStdString());
        return {};
    }
    return Error{QStringLiteral("http_listen"),
                 QStringLiteral("Cannot find a port free on both 127.0.0.1 and [::1]; choose one with --http PORT.")};
}

QString HttpTransport::mcpUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1/mcp").arg(m_port);
}

void HttpTransport::setProxyHandler(ProxyHandler handler)
{
    m_proxyHandler = std::move(handler);
}

int HttpTransport::connectionCount() const
{
    return m_pool->count();
}

int HttpTransport::sessionCount() const
{
    return m_sessions->count();
}

void HttpTransport::handle(const QHttpServerRequest &request, QTcpSocket *socket)
{
    HttpConnection *connection = HttpConnection::of(socket);
    if (!connection) {
        socket->abort();
        return;
    }
    const HttpHeaders headers = request.headers();
    auto responder = std::make_shared<HttpStreamResponder>(connection, connection->beginReply(),
                                                           request.method() == Method::Head, asksToClose(headers));
    const QString peer = socket->peerAddress().toString();

    const QList<QByteArray> hosts = headerValues(headers, "host");
    if (hosts.size() != 1 || !isAllowedHost(hosts.front(), m_port)) {
        refuse(responder, peer, "(any)", 403, kTransportError,
               QStringLiteral("Forbidden: the Host header must be 127.0.0.1:%1, localhost:%1 or [::1]:%1 "
                              "(protection against DNS rebinding).")
                   .arg(m_port));
        return;
    }
    const QList<QByteArray> origins = headerValues(headers, "origin");
    if (origins.size() > 1 || (origins.size() == 1 && !isAllowedOrigin(origins.front()))) {
        refuse(responder, peer, "(any)", 403, kTransportError,
               QStringLiteral("Forbidden: requests from web pages are accepted only from http://localhost, "
                              "http://127.0.0.1 or http://[::1]."));
        return;
    }

    const QString path = request.url().path(QUrl::FullyEncoded);
    if (path == QLatin1String("/mcp")) {
        handleMcp(request, responder, peer);
    } else if (path == QLatin1String("/proxy") || path.startsWith(QLatin1String("/proxy/"))) {
        handleProxy(request, responder, peer);
    } else {
        refuse(responder, peer, "(other)", 404, kTransportError,
               QStringLiteral("Not found: the MCP endpoint is %1.").arg(mcpUrl()));
    }
}

void HttpTransport::handleMcp(const QHttpServerRequest &request, const std::shared_ptr<HttpStreamResponder> &responder,
                              const QString &peer)
{
    const HttpHeaders headers = request.headers();
    const QList<QByteArray> authorizations = headerValues(headers, "authorization");
    const std::optional<QByteArray> token =
        authorizations.size() == 1 ? bearerToken(authorizations.front()) : std::nullopt;
    const HeaderList challenge{{"WWW-Authenticate", "Bearer"}};
    if (!token) {
        refuse(responder, peer, "/mcp", 401, kTransportError,
               QStringLiteral("Unauthorized: send the header \"Authorization: Bearer <agent token>\"; create a token "
                              "with `keyward agent add NAME`."),
               challenge);
        return;
    }
    const Result<QString> agent = m_authenticate(*token);
    if (!agent) {
        if (agent.error().code == QLatin1String("unauthorized"))
            refuse(responder, peer, "/mcp", 401, kTransportError, agent.error().message, challenge);
        else
            refuse(responder, peer, "/mcp", 503, kTransportError, agent.error().message);
        return;
    }

    switch (request.method()) {
    case Method::Post:
        handlePost(request, agent.value(), responder, peer);
        return;
    case Method::Delete:
        handleDelete(request, agent.value(), responder, peer);
        return;
    default:
        refuse(responder, peer, "/mcp", 405, kTransportError,
               QStringLiteral("Method not allowed: send JSON-RPC messages with POST and end a session with DELETE "
                              "(this server sends no server-initiated messages, so there is no GET stream)."),
               {{"Allow", "POST, DELETE"}});
        return;
    }
}

void HttpTransport::handlePost(const QHttpServerRequest &request, const QString &agent,
                               const std::shared_ptr<HttpStreamResponder> &responder, const QString &peer)
{
    const HttpHeaders headers = request.headers();
    const QList<QByteArray> contentTypes = headerValues(headers, "content-type");
    if (contentTypes.size() != 1 || !isJsonContentType(contentTypes.front())) {
        refuse(responder, peer, "POST /mcp", 415, kTransportError,
               QStringLiteral("Unsupported Media Type: send JSON-RPC with Content-Type: application/json."));
        return;
    }
    if (!acceptsJsonAndEventStream(headerValues(headers, "accept").join(','))) {
        refuse(responder, peer, "POST /mcp", 406, kTransportError,
               QStringLiteral("Not Acceptable: the Accept header must admit both application/json and "
                              "text/event-stream."));
        return;
    }
    if (!hasUsableProtocolVersion(headers)) {
        refuse(responder, peer, "POST /mcp", 400, kTransportError,
               QStringLiteral("Bad Request: unsupported MCP-Protocol-Version; supported: %1.").arg(supportedVersions()));
        return;
    }
    const QByteArray body = request.body();
    if (!mcp::json::accept(body.begin(), body.end())) {
        refuse(responder, peer, "POST /mcp", 400, mcp::rpc_error::kParseError,
               QStringLiteral("Parse error: the body is not valid JSON."));
        return;
    }

    const QList<QByteArray> sessionIds = headerValues(headers, "mcp-session-id");
    if (sessionIds.size() > 1) {
        refuse(responder, peer, "POST /mcp", 400, kTransportError,
               QStringLiteral("Bad Request: more than one Mcp-Session-Id header."));
        return;
    }
    const std::shared_ptr<Cancellation> cancellation = responder->cancellation();
    QPointer<HttpTransport> self(this);

    if (sessionIds.isEmpty()) {
        const mcp::json frame = mcp::json::parse(body.begin(), body.end(), nullptr, false);
        const bool isInitialize = frame.is_object() && frame.contains("id") && frame.value("method", mcp::json()) == "initialize";
        if (!isInitialize) {
            const bool batchedInitialize =
                frame.is_array() && std::any_of(frame.begin(), frame.end(), [](const mcp::json &message) {
                    return message.is_object() && message.value("method", mcp::json()) == "initialize";
                });
            refuse(responder, peer, "POST /mcp", 400, mcp::rpc_error::kInvalidRequest,
                   batchedInitialize
                       ? QStringLiteral("Invalid Request: initialize cannot be part of a batch.")
                       : QStringLiteral("Bad Request: no Mcp-Session-Id header; start a session with initialize."));
            return;
        }
        Result<McpSessionTable::Created> created = m_sessions->create(agent);
        if (!created) {
            refuse(responder, peer, "POST /mcp", 503, kTransportError, created.error().message);
            return;
        }
        const QByteArray id = created->id;
        mcp::McpSession *session = created->session;
        m_sessions->track(id, cancellation);
        session->receive(
            body,
            [self, responder, session, id, agent, peer](const QByteArray &reply) {
                if (!session->isInitialized()) {
                    // The initialize failed: no session comes of it.
                    if (self)
                        self->m_sessions->end(id, agent);
                    log()->debug("{} POST /mcp initialize -> 400", peer.toStdString());
                    responder->reply(400, {{"Content-Type", kJson}}, reply);
                    return;
                }
                log()->debug("{} POST /mcp initialize -> 200", peer.toStdString());
                responder->reply(200, {{"Content-Type", kJson}, {"Mcp-Session-Id", id}}, reply);
            },
            cancellation);
        return;
    }

    const QByteArray id = sessionIds.front();
    mcp::McpSession *session = m_sessions->find(id, agent);
    if (!session) {
        refuse(responder, peer, "POST /mcp", 404, kSessionNotFound,
               QStringLiteral("Session not found: it ended or expired; send initialize without Mcp-Session-Id to "
                              "start a new one."));
        return;
    }
    m_sessions->track(id, cancellation);
    session->receive(
        body,
        [responder, peer](const QByteArray &reply) {
            if (reply.isEmpty()) {
                log()->debug("{} POST /mcp -> 202", peer.toStdString());
                responder->reply(202, {}, {});
                return;
            }
            log()->debug("{} POST /mcp -> 200", peer.toStdString());
            responder->reply(200, {{"Content-Type", kJson}}, reply);
        },
        cancellation);
}

void HttpTransport::handleDelete(const QHttpServerRequest &request, const QString &agent,
                                 const std::shared_ptr<HttpStreamResponder> &responder, const QString &peer)
{
    const HttpHeaders headers = request.headers();
    if (!hasUsableProtocolVersion(headers)) {
        refuse(responder, peer, "DELETE /mcp", 400, kTransportError,
               QStringLiteral("Bad Request: unsupported MCP-Protocol-Version; supported: %1.").arg(supportedVersions()));
        return;
    }
    const QList<QByteArray> sessionIds = headerValues(headers, "mcp-session-id");
    if (sessionIds.size() != 1) {
        refuse(responder, peer, "DELETE /mcp", 400, kTransportError,
               QStringLiteral("Bad Request: DELETE needs exactly one Mcp-Session-Id header."));
        return;
    }
    if (!m_sessions->end(sessionIds.front(), agent)) {
        refuse(responder, peer, "DELETE /mcp", 404, kSessionNotFound,
               QStringLiteral("Session not found: it ended or expired."));
        return;
    }
    log()->debug("{} DELETE /mcp -> 204", peer.toStdString());
    responder->reply(204, {}, {});
}

void HttpTransport::handleProxy(const QHttpServerRequest &request, const std::shared_ptr<HttpStreamResponder> &responder,
                                const QString &peer)
{
    if (!m_proxyHandler) {
        refuse(responder, peer, "/proxy", 503, kTransportError,
               QStringLiteral("The /proxy endpoint is not enabled in this process."));
        return;
    }
    const QByteArray method = methodName(request.method());
    if (method.isEmpty()) {
        refuse(responder, peer, "/proxy", 405, kTransportError,
               QStringLiteral("Method not allowed through /proxy."),
               {{"Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"}});
        return;
    }
    const QUrl url = request.url();
    HttpExchangeRequest exchange;
    exchange.method = method;
    exchange.target = url.path(QUrl::FullyEncoded).toUtf8().mid(int(qstrlen("/proxy")));
    if (exchange.target.isEmpty())
        exchange.target = "/";
    exchange.rawQuery = url.query(QUrl::FullyEncoded).toUtf8();
    const HttpHeaders headers = request.headers();
    exchange.headers.reserve(headers.size());
    for (const auto &[name, value] : headers)
        exchange.headers.append({name.toLower(), value});
    exchange.body = request.body();
    exchange.peer = request.remoteAddress();
    log()->debug("{} {} /proxy", peer.toStdString(), method.constData());
    m_proxyHandler(std::move(exchange), responder);
}

} // namespace keyward::transport
