#include "transport/httpconnection.h"

#include "core/logging.h"
#include "transport/httpwire.h"

#include <QHostAddress>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

namespace keyward::transport {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("core.http");
    return logger;
}

// How long a refused client may go on sending (its upload is discarded) before the connection is
// cut: long enough for it to read the refusal instead of a reset.
constexpr int kLingerMs = 2000;

QString peerOf(const QTcpSocket *socket)
{
    return socket->peerAddress().toString() + QLatin1Char(':') + QString::number(socket->peerPort());
}

// Where a request head ends in `window` (just past its blank line), or -1.
qsizetype headEnd(const QByteArray &window)
{
    const qsizetype crlf = window.indexOf("\r\n\r\n");
    const qsizetype lf = window.indexOf("\n\n");
    const qsizetype crlfEnd = crlf < 0 ? -1 : crlf + 4;
    const qsizetype lfEnd = lf < 0 ? -1 : lf + 2;
    if (crlfEnd < 0)
        return lfEnd;
    if (lfEnd < 0)
        return crlfEnd;
    return qMin(crlfEnd, lfEnd);
}

} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, QObject *httpServer, HttpConnectionPool *pool)
    : QObject(socket), m_socket(socket), m_rawSocket(socket), m_peer(peerOf(socket)), m_httpServer(httpServer), m_pool(pool),
      m_limits(pool->limits())
{
    m_lastActivity.start();
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(socket, &QIODevice::readyRead, this, &HttpConnection::countIncoming);
    connect(socket, &QAbstractSocket::disconnected, this, &HttpConnection::onDisconnected);
    updateTimer();
}

HttpConnection::~HttpConnection()
{
    cancelReplies(QStringLiteral("connection closed"));
    if (m_pool)
        m_pool->release(m_rawSocket);
}

void HttpConnection::countIncoming()
{
    if (m_closing || !m_socket)
        return;
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return;
    m_lastActivity.restart();

    if (m_headBytes < 0) {
        const QByteArray window = m_headTail + m_socket->peek(qMin<qint64>(available, m_limits.maxHeadBytes + 4));
        const qsizetype end = headEnd(window);
        if (end >= 0)
            m_headBytes = m_requestBytes - m_headTail.size() + end;
        else
            m_headTail = window.right(3);
    }
    m_requestBytes += available;
    updateTimer();

    if (m_headBytes < 0 ? m_requestBytes > m_limits.maxHeadBytes : m_headBytes > m_limits.maxHeadBytes) {
        refuse(431, QStringLiteral("The request head is over %1 KiB.").arg(m_limits.maxHeadBytes / 1024));
    } else if (m_headBytes >= 0 && m_requestBytes - m_headBytes > m_limits.maxBodyBytes) {
        refuse(413, QStringLiteral("The request body is over %1 KiB.").arg(m_limits.maxBodyBytes / 1024));
    }
}

std::shared_ptr<QueuedReply> HttpConnection::beginReply()
{
    m_requestBytes = 0;
    m_headBytes = -1;
    m_headTail.clear();
    m_requestTimerRunning = false;
    m_lastActivity.restart();
    auto reply = std::make_shared<QueuedReply>();
    if (m_closing)
        reply->ended = true; // nothing will be written for it
    else
        m_replies.push_back(reply);
    updateTimer();
    return reply;
}

void HttpConnection::write(const std::shared_ptr<QueuedReply> &reply, const QByteArray &bytes)
{
    if (!isConnected() || reply->ended || bytes.isEmpty() || m_replies.empty())
        return;
    m_lastActivity.restart();
    if (m_replies.front() == reply)
        m_socket->write(bytes);
    else
        reply->buffered += bytes;
}

void HttpConnection::replyEnded(const std::shared_ptr<QueuedReply> &)
{
    advance();
}

void HttpConnection::advance()
{
    while (!m_replies.empty()) {
        const std::shared_ptr<QueuedReply> front = m_replies.front();
        if (!front->buffered.isEmpty()) {
            if (isConnected())
                m_socket->write(front->buffered);
            front->buffered.clear();
        }
        if (!front->ended)
            break;
        m_replies.pop_front();
        if (front->closeAfter) {
            closeAfterWrites();
            return;
        }
    }
    m_lastActivity.restart();
    updateTimer();
}

void HttpConnection::cancelReplies(const QString &reason)
{
    // Cancellation callbacks may end replies and come back here: take the queue first.
    auto replies = std::move(m_replies);
    m_replies.clear();
    for (const auto &reply : replies) {
        if (!reply->ended) {
            reply->ended = true;
            reply->cancellation->cancel(reason);
        }
    }
}

void HttpConnection::onDisconnected()
{
    // The socket may be half-destroyed here (its destructor aborts): touch only our own state.
    m_closing = true;
    log()->debug("{} disconnected", m_peer.toStdString());
    m_timer.stop();
    if (m_pool)
        m_pool->release(m_rawSocket);
    cancelReplies(QStringLiteral("client disconnected"));
}

void HttpConnection::updateTimer()
{
    if (m_closing)
        return;
    if (m_requestBytes > 0) {
        if (!m_requestTimerRunning) {
            m_requestTimerRunning = true;
            m_timer.start(m_limits.requestTimeout);
        }
        return;
    }
    if (!m_replies.empty()) {
        m_timer.stop();
        return;
    }
    m_timer.start(m_limits.idleTimeout);
}

void HttpConnection::onTimeout()
{
    if (m_closing || !m_socket)
        return;
    if (m_requestBytes > 0) {
        log()->debug("{}: request incomplete after {} ms, closing", m_peer.toStdString(),
                     m_limits.requestTimeout.count());
        refuse(408, QStringLiteral("The request did not arrive completely within %1 s.")
                        .arg(double(m_limits.requestTimeout.count()) / 1000.0));
    } else if (m_replies.empty()) {
        log()->debug("{}: idle for {} ms, closing", m_peer.toStdString(), m_limits.idleTimeout.count());
        close();
    }
}

void HttpConnection::close()
{
    if (m_closing)
        return;
    m_closing = true;
    m_timer.stop();
    if (m_pool)
        m_pool->release(m_rawSocket);
    cancelReplies(QStringLiteral("connection closed by the server"));
    if (m_socket)
        m_socket->abort();
}

void HttpConnection::closeAfterWrites()
{
    m_closing = true;
    m_timer.stop();
    if (m_pool)
        m_pool->release(m_rawSocket);
    cancelReplies(QStringLiteral("connection closed"));
    if (m_socket)
        m_socket->disconnectFromHost();
}

void HttpConnection::refuse(int status, const QString &message)
{
    if (m_closing || !m_socket)
        return;
    log()->debug("{}: refused with {}", m_peer.toStdString(), status);
    m_closing = true;
    m_timer.stop();
    if (m_pool)
        m_pool->release(m_rawSocket);

    // Qt HttpServer must parse nothing more from this socket; what still comes is discarded.
    QObject::disconnect(m_socket, &QIODevice::readyRead, m_httpServer, nullptr);
    disconnect(m_socket, &QIODevice::readyRead, this, nullptr);
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    m_socket->readAll();
    connect(m_socket, &QIODevice::readyRead, this, [this] {
        if (m_socket)
            m_socket->readAll();
    });

    if (!m_replies.empty()) {
        // An earlier reply is still owed on this connection: it cannot be answered in order.
        cancelReplies(QStringLiteral("connection closed by the server"));
        m_socket->abort();
        return;
    }

    const QByteArray body = jsonErrorBody(kTransportError, message);
    m_socket->write(statusLine(status) + "Content-Type: application/json\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    m_socket->flush();
    connect(m_socket, &QIODevice::bytesWritten, this, &HttpConnection::shutdownWriteWhenFlushed);
    shutdownWriteWhenFlushed();
    QTimer::singleShot(kLingerMs, this, [this] {
        if (m_socket)
            m_socket->abort();
    });
}

void HttpConnection::shutdownWriteWhenFlushed()
{
    if (!m_socket || m_writeShutDown || m_socket->bytesToWrite() > 0)
        return;
    m_writeShutDown = true;
    // Half-close: the client sees the end of the answer while its remaining upload is still read.
#ifdef Q_OS_WIN
    ::shutdown(static_cast<SOCKET>(m_socket->socketDescriptor()), SD_SEND);
#else
    ::shutdown(static_cast<int>(m_socket->socketDescriptor()), SHUT_WR);
#endif
}

HttpConnectionPool::HttpConnectionPool(const HttpLimits &limits, QObject *httpServer, QObject *parent)
    : QObject(parent), m_limits(limits), m_httpServer(httpServer)
{
}

bool HttpConnectionPool::admit(QTcpSocket *socket)
{
    if (m_connections.size() >= m_limits.maxConnections) {
        HttpConnection *idle = nullptr;
        HttpConnection *receiving = nullptr;
        for (HttpConnection *connection : std::as_const(m_connections)) {
            if (connection->isIdle()) {
                if (!idle || connection->lastActivityMs() < idle->lastActivityMs())
                    idle = connection;
            } else if (connection->isReceivingOnly()) {
                if (!receiving || connection->lastActivityMs() < receiving->lastActivityMs())
                    receiving = connection;
            }
        }
        if (idle) {
            log()->debug("{} connections open: closing the least recently active idle one", m_connections.size());
            idle->close();
        } else if (receiving) {
            log()->debug("{} connections open: refusing the oldest unfinished request", m_connections.size());
            receiving->refuse(503, QStringLiteral("Too many connections: this request was dropped to serve others."));
        } else {
            log()->warn("{} connections open, all waiting for replies: refusing a new client", m_connections.size());
            const QByteArray body = jsonErrorBody(kTransportError, QStringLiteral("Too many connections; try again later."));
            socket->write(statusLine(503) + "Content-Type: application/json\r\nContent-Length: "
                          + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
            QObject::connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
            socket->disconnectFromHost();
            return false;
        }
    }
    m_connections.insert(socket, new HttpConnection(socket, m_httpServer, this));
    return true;
}

void HttpConnectionPool::release(QTcpSocket *socket)
{
    m_connections.remove(socket);
}

} // namespace keyward::transport
