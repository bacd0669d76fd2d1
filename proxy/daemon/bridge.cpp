#include "daemon/bridge.h"

#include "core/logging.h"
#include "daemon/linebuffer.h"
#include "daemon/ownerprotocol.h"
#include "mcp/jsonrpc.h"

#include <QElapsedTimer>
#include <QThread>
#include <QTimer>

namespace keyward::daemon {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("bridge");
    return logger;
}

constexpr const char *kReplayIdPrefix = "keyward-bridge-replay-";
constexpr int kConnectTimeoutMs = 2000;
constexpr int kStartAttempts = 3;

nlohmann::json parseOrNull(const QByteArray &line)
{
    nlohmann::json value = nlohmann::json::parse(line.constData(), line.constData() + line.size(), nullptr, false);
    return value.is_discarded() ? nlohmann::json() : value;
}

bool isRequest(const nlohmann::json &message)
{
    return message.is_object() && message.contains("method") && message.contains("id");
}

bool isResponse(const nlohmann::json &message)
{
    return message.is_object() && !message.contains("method") && message.contains("id") &&
           (message.contains("result") || message.contains("error"));
}

} // namespace

Bridge::Bridge(QString socketPath, QString agent, OwnerStarter startOwner, QObject *parent)
    : QObject(parent), m_socketPath(std::move(socketPath)), m_agent(std::move(agent)),
      m_startOwner(std::move(startOwner))
{
}

Result<void> Bridge::connectOnce()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_buffer.clear();
    auto *socket = new QLocalSocket(this);
    socket->connectToServer(m_socketPath);
    if (!socket->waitForConnected(kConnectTimeoutMs)) {
        const QString why = socket->errorString();
        socket->deleteLater();
        return Error{QString::fromLatin1(owner_errors::kNotRunning),
                     QStringLiteral("no Keyward owner answers on %1 (%2)").arg(m_socketPath, why)};
    }
    socket->write(helloLine({{"kind", "mcp"}, {"agent", m_agent.toStdString()}}));
    QByteArray received;
    QElapsedTimer waited;
    waited.start();
    qsizetype end = -1;
    while ((end = received.indexOf('\n')) < 0) {
        const int left = kHelloTimeoutMs - int(waited.elapsed());
        if (left <= 0 || !socket->waitForReadyRead(left)) {
            socket->deleteLater();
            return Error{QString::fromLatin1(owner_errors::kNotRunning),
                         QStringLiteral("the Keyward owner on %1 did not answer the bridge's hello").arg(m_socketPath)};
        }
        received.append(socket->readAll());
    }
    const auto answer = parseAnswer(received.left(end));
    if (!answer) {
        socket->deleteLater();
        return answer.error();
    }
    if (!answer->value("ok", false)) {
        socket->deleteLater();
        const nlohmann::json error = answer->value("error", nlohmann::json::object());
        return Error{QString::fromStdString(error.value("code", std::string("owner_error"))),
                     QString::fromStdString(error.value("message", std::string("the owner refused the session")))};
    }
    m_socket = socket;
    m_buffer = received.mid(end + 1);
    connect(socket, &QLocalSocket::readyRead, this, &Bridge::onReadyRead);
    connect(socket, &QLocalSocket::disconnected, this, &Bridge::onDisconnected, Qt::QueuedConnection);
    log()->debug("connected to the owner (pid {})", answer->value("pid", 0));
    if (!m_buffer.isEmpty())
        QTimer::singleShot(0, this, &Bridge::onReadyRead);
    return {};
}

Result<void> Bridge::connectToOwner()
{
    auto connected = connectOnce();
    for (int attempt = 0; !connected && connected.error().code == QLatin1String(owner_errors::kNotRunning) &&
                          attempt < kStartAttempts;
         ++attempt) {
        // No owner (or one that is going away): start one. A start that lost a race against
        // another bridge's start fails with "already running", and the connect then succeeds.
        const auto started = m_startOwner();
        connected = connectOnce();
        if (!connected && !started)
            return started.error();
        if (!connected)
            QThread::msleep(100 * (attempt + 1));
    }
    return connected;
}

void Bridge::track(const nlohmann::json &message, bool fromClient)
{
    if (message.is_array()) {
        for (const auto &item : message)
            track(item, fromClient);
        return;
    }
    if (fromClient) {
        if (isRequest(message)) {
            m_pending[message["id"].dump()] = message["id"];
            if (message["method"] == "initialize")
                m_initializeInFlight = message;
        } else if (message.is_object() && message.value("method", std::string()) == "notifications/initialized") {
            m_initialized = true;
        }
        return;
    }
    if (isResponse(message)) {
        m_pending.erase(message["id"].dump());
        if (m_initializeInFlight && (*m_initializeInFlight)["id"] == message["id"]) {
            if (message.contains("result"))
                m_initialize = *m_initializeInFlight;
            m_initializeInFlight.reset();
        }
    }
}

void Bridge::sendFromClient(const QByteArray &line)
{
    track(parseOrNull(line), true);
    if (m_reconnecting || !m_socket) {
        m_waiting.append(line);
        return;
    }
    QByteArray framed = line;
    framed.append('\n');
    m_socket->write(framed);
}

void Bridge::onReadyRead()
{
    if (!m_socket)
        return;
    m_buffer.append(m_socket->readAll());
    qsizetype start = 0;
    qsizetype end;
    while ((end = m_buffer.indexOf('\n', start)) >= 0) {
        const QByteArray line = m_buffer.mid(start, end - start);
        start = end + 1;
        const nlohmann::json message = parseOrNull(line);
        if (message.is_object() && message.contains("id") && message["id"].is_string() &&
            message["id"].get<std::string>().rfind(kReplayIdPrefix, 0) == 0) {
            if (message.contains("error"))
                log()->warn("the restarted owner refused the replayed initialize: {}", message["error"].dump());
            continue; // the answer to the bridge's own replay, not the client's
        }
        track(message, false);
        Q_EMIT toClient(line);
    }
    m_buffer.remove(0, start);
    if (m_buffer.size() > kMaxLineBytes) {
        log()->error("the owner sent a line over {} bytes; reconnecting", kMaxLineBytes);
        m_socket->abort();
    }
    maybeFinish();
}

void Bridge::answerPendingWithError()
{
    for (const auto &[key, id] : m_pending) {
        const nlohmann::json error = mcp::makeError(
            id, mcp::rpc_error::kInternalError,
            "Keyward's owner process stopped while handling this request; Keyward has reconnected, retry the request");
        Q_EMIT toClient(mcp::serialize(error));
    }
    m_pending.clear();
    m_initializeInFlight.reset();
}

void Bridge::onDisconnected()
{
    if (m_clientDone && m_pending.empty()) {
        maybeFinish();
        return;
    }
    log()->warn("the owner went away; reconnecting");
    answerPendingWithError();
    m_reconnecting = true;
    const auto connected = connectToOwner();
    if (!connected) {
        Q_EMIT failed(connected.error());
        return;
    }
    if (m_initialize) {
        nlohmann::json replay = *m_initialize;
        replay["id"] = kReplayIdPrefix + std::to_string(++m_replays);
        m_socket->write(mcp::serialize(replay) + '\n');
        if (m_initialized)
            m_socket->write(mcp::serialize(nlohmann::json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}) + '\n');
    }
    m_reconnecting = false;
    const QList<QByteArray> waiting = std::exchange(m_waiting, {});
    for (const QByteArray &line : waiting) {
        QByteArray framed = line;
        framed.append('\n');
        m_socket->write(framed);
    }
    maybeFinish();
}

void Bridge::finishWhenAnswered()
{
    m_clientDone = true;
    maybeFinish();
}

void Bridge::maybeFinish()
{
    if (m_finished || !m_clientDone || !m_pending.empty() || !m_waiting.isEmpty() || m_reconnecting)
        return;
    m_finished = true;
    if (m_socket && m_socket->state() == QLocalSocket::ConnectedState)
        m_socket->flush();
    Q_EMIT finished();
}

} // namespace keyward::daemon
