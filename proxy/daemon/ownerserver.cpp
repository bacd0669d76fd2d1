#include "daemon/ownerserver.h"

#include "core/cancellation.h"
#include "core/logging.h"
#include "core/names.h"
#include "daemon/linebuffer.h"
#include "daemon/ownerprotocol.h"
#include "daemon/peercredentials.h"
#include "mcp/jsonrpc.h"
#include "mcp/mcpsession.h"

#include <QCoreApplication>
#include <QFile>
#include <QLocalSocket>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace keyward::daemon {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("core.owner");
    return logger;
}

} // namespace

// One accepted connection: waits for the hello, then either relays MCP frames to its own session
// or answers one admin request. Deletes itself when the socket has closed and no tool call of its
// session is still running.
class OwnerServer::Connection : public QObject {
public:
    Connection(OwnerServer &server, QLocalSocket *socket)
        : QObject(&server), m_server(server), m_socket(socket), m_lines(kMaxLineBytes)
    {
        socket->setParent(this);
        m_helloTimer.setSingleShot(true);
        m_helloTimer.setInterval(kHelloTimeoutMs);
        connect(&m_helloTimer, &QTimer::timeout, this, [this] {
            refuse(QString::fromLatin1(owner_errors::kBadHello), QStringLiteral("no hello within 5 s"));
        });
        connect(socket, &QLocalSocket::readyRead, this, &Connection::onReadyRead);
        connect(socket, &QLocalSocket::disconnected, this, &Connection::onDisconnected);
        m_helloTimer.start();
        onReadyRead();
    }

    ~Connection() override
    {
        if (m_isMcp)
            --m_server.m_mcpConnections;
    }

private:
    void onReadyRead()
    {
        if (!m_socket || m_closing)
            return;
        const QList<QByteArray> lines = m_lines.feed(m_socket->readAll());
        for (const QByteArray &line : lines) {
            if (m_closing)
                return;
            if (!m_helloDone)
                handleHello(line);
            else if (m_session)
                handleFrame(line);
        }
        if (m_lines.overflowed()) {
            log()->warn("closing a connection that sent a line over {} bytes", kMaxLineBytes);
            closeSocket();
        }
    }

    void handleHello(const QByteArray &line)
    {
        m_helloDone = true;
        m_helloTimer.stop();
        const auto hello = parseHello(line);
        if (!hello) {
            refuse(hello.error().code, hello.error().message);
            return;
        }
        const std::string kind = hello->value("kind", std::string());
        if (kind == "mcp") {
            startMcp(*hello);
        } else if (kind == "admin") {
            const std::string op = hello->value("op", std::string());
            if (const auto deferred = m_server.m_deferred.find(op); deferred != m_server.m_deferred.end()) {
                QPointer<Connection> self(this);
                deferred->second(
                    *hello,
                    [self](Result<nlohmann::json> answer) {
                        if (self && !self->m_closing)
                            self->answerAdmin(answer);
                    },
                    this);
                return;
            }
            answerAdmin(m_server.m_admin(op, *hello));
        } else {
            refuse(QString::fromLatin1(owner_errors::kBadHello),
                   QStringLiteral("unknown connection kind '%1' (expected mcp or admin)").arg(QString::fromStdString(kind)));
        }
    }

    void answerAdmin(const Result<nlohmann::json> &answer)
    {
        if (!answer) {
            refuse(answer.error().code, answer.error().message);
            return;
        }
        nlohmann::json fields = *answer;
        fields["ok"] = true;
        fields["pid"] = QCoreApplication::applicationPid();
        if (m_socket)
            m_socket->write(answerLine(fields));
        closeSocket();
    }

    void startMcp(const nlohmann::json &hello)
    {
        const auto agent = hello.find("agent");
        QString agentName;
        if (agent != hello.end() && !agent->is_null()) {
            agentName = agent->is_string() ? QString::fromStdString(agent->get<std::string>()) : QStringLiteral("?");
            if (!agentName.isEmpty() && !isValidName(agentName)) {
                refuse(QString::fromLatin1(owner_errors::kBadHello),
                       QStringLiteral("the agent name is not valid: use [a-z0-9][a-z0-9_-]{0,63}"));
                return;
            }
        }
        m_isMcp = true;
        ++m_server.m_mcpConnections;
        m_cancellation = Cancellation::create();
        m_session = std::make_unique<mcp::McpSession>(m_server.m_tools, agentName);
        connect(m_session.get(), &mcp::McpSession::idle, this, &Connection::maybeDelete);
        m_socket->write(answerLine({{"ok", true}, {"pid", QCoreApplication::applicationPid()}}));
        log()->debug("MCP connection opened (agent '{}')", agentName.toStdString());
    }

    void handleFrame(const QByteArray &line)
    {
        QPointer<QLocalSocket> socket = m_socket;
        m_session->receive(line, [socket](const QByteArray &response) {
            if (response.isEmpty() || !socket || socket->state() != QLocalSocket::ConnectedState)
                return;
            QByteArray framed = response;
            framed.append('\n');
            socket->write(framed);
        }, m_cancellation);
    }

    void refuse(const QString &code, const QString &message)
    {
        log()->info("refusing a connection: {}", message.toStdString());
        if (m_socket)
            m_socket->write(errorAnswerLine(code, message));
        closeSocket();
    }

    void closeSocket()
    {
        m_closing = true;
        if (m_socket)
            m_socket->disconnectFromServer(); // flushes what was written, then emits disconnected
    }

    void onDisconnected()
    {
        m_closing = true;
        if (m_cancellation)
            m_cancellation->cancel(QStringLiteral("bridge disconnected"));
        if (m_socket)
            m_socket->deleteLater();
        maybeDelete();
    }

    void maybeDelete()
    {
        if (!m_closing)
            return;
        if (m_session && m_session->pendingReplies() > 0)
            return; // the session's idle() comes back here once its calls have ended
        deleteLater();
    }

    OwnerServer &m_server;
    QPointer<QLocalSocket> m_socket;
    LineBuffer m_lines;
    QTimer m_helloTimer;
    bool m_helloDone = false;
    bool m_closing = false;
    bool m_isMcp = false;
    std::shared_ptr<Cancellation> m_cancellation;
    std::unique_ptr<mcp::McpSession> m_session;
};

OwnerServer::OwnerServer(mcp::ToolProvider &tools, AdminHandler admin, QObject *parent)
    : QObject(parent), m_tools(tools), m_admin(std::move(admin))
{
    m_server.setSocketOptions(QLocalServer::UserAccessOption);
    connect(&m_server, &QLocalServer::newConnection, this, &OwnerServer::onNewConnection);
}

OwnerServer::~OwnerServer()
{
    close();
    // Connections count themselves out on destruction: end them while this object is whole.
    const QObjectList children = this->children();
    for (QObject *child : children) {
        if (auto *connection = dynamic_cast<Connection *>(child))
            delete connection;
    }
}

Result<void> OwnerServer::listen(const QString &socketPath)
{
    // The caller holds the OwnerLock: a socket file present now was left by an owner that died.
    QLocalServer::removeServer(socketPath);
    if (!m_server.listen(socketPath)) {
        return Error{QStringLiteral("owner_error"),
                     QStringLiteral("cannot listen on %1: %2").arg(socketPath, m_server.errorString())};
    }
    QFile::setPermissions(socketPath, QFile::ReadOwner | QFile::WriteOwner);
    m_socketPath = socketPath;
    return {};
}

void OwnerServer::setDeferredAdminOp(const std::string &op, DeferredAdminHandler handler)
{
    m_deferred[op] = std::move(handler);
}

void OwnerServer::close()
{
    if (m_server.isListening())
        m_server.close(); // QLocalServer::close removes the socket file on Unix
}

void OwnerServer::onNewConnection()
{
    while (QLocalSocket *socket = m_server.nextPendingConnection()) {
        if (!peerIsSameUser(socket->socketDescriptor())) {
            log()->warn("refused a connection from another user on the owner socket");
            socket->abort();
            socket->deleteLater();
            continue;
        }
        new Connection(*this, socket);
    }
}

} // namespace keyward::daemon
