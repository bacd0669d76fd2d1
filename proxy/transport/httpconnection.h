#pragma once

#include "core/cancellation.h"
#include "transport/httplimits.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <deque>
#include <memory>

namespace keyward::transport {

class HttpConnectionPool;

// One reply slot of a connection: replies leave in the order their requests arrived (HTTP/1.1
// pipelining), so a reply that is not first yet is buffered here.
struct QueuedReply {
    QByteArray buffered;
    bool ended = false;
    // Close the connection once this reply is written (Connection: close, or broken framing).
    bool closeAfter = false;
    // Fired when the client disconnects before the reply has ended.
    std::shared_ptr<Cancellation> cancellation = Cancellation::create();
};

// The guard and reply order of one accepted socket; a child of the socket, so it dies with it.
//
// Its readyRead slot is connected before Qt HttpServer's (signal order = connection order), so it
// counts every byte first: a head over HttpLimits::maxHeadBytes without its blank line is answered
// 431, a body over maxBodyBytes 413, both with the connection closed, before the server buffers
// more. It finds the end of a head by looking for the blank line only; it parses nothing else.
// Timers close idle keep-alive connections and requests that do not complete in time (408).
class HttpConnection : public QObject {
    Q_OBJECT
public:
    HttpConnection(QTcpSocket *socket, QObject *httpServer, HttpConnectionPool *pool);
    ~HttpConnection() override;

    // The connection of a socket the pool admitted, or nullptr.
    static HttpConnection *of(QTcpSocket *socket)
    {
        return socket ? socket->findChild<HttpConnection *>(QString(), Qt::FindDirectChildrenOnly) : nullptr;
    }

    QTcpSocket *socket() const { return m_socket; }

    // The HTTP server handed a complete request on this socket to the transport: the byte count
    // starts over and a reply slot is queued behind earlier ones.
    std::shared_ptr<QueuedReply> beginReply();
    // Writes `bytes` of `reply` now when it is first in line, else buffers them.
    void write(const std::shared_ptr<QueuedReply> &reply, const QByteArray &bytes);
    // The reply is complete (reply->ended set by the caller): writes what follows it in line.
    void replyEnded(const std::shared_ptr<QueuedReply> &reply);

    bool isConnected() const { return !m_closing && m_socket && m_socket->state() == QAbstractSocket::ConnectedState; }
    // No request arriving and no reply pending.
    bool isIdle() const { return m_requestBytes == 0 && m_replies.empty(); }
    // A request is arriving and no reply is owed: the connection a slow client holds.
    bool isReceivingOnly() const { return m_requestBytes > 0 && m_replies.empty(); }
    qint64 lastActivityMs() const { return m_lastActivity.msecsSinceReference(); }

    // Closes at once (the pool making room, or shutdown).
    void close();
    // Answers `status` with a JSON error body and closes, letting the client read the answer
    // (lingering close: the rest of its upload is read and discarded for a short while).
    void refuse(int status, const QString &message);

private:
    void countIncoming();
    void onDisconnected();
    void updateTimer();
    void onTimeout();
    void advance();
    void cancelReplies(const QString &reason);
    void closeAfterWrites();
    void shutdownWriteWhenFlushed();

    QPointer<QTcpSocket> m_socket;
    QTcpSocket *const m_rawSocket; // the pool's key, valid as an address after the socket is gone
    const QString m_peer; // address:port, for log lines
    QObject *m_httpServer;
    QPointer<HttpConnectionPool> m_pool;
    const HttpLimits m_limits;
    QTimer m_timer;
    QElapsedTimer m_lastActivity;
    qint64 m_requestBytes = 0;
    qint64 m_headBytes = -1; // length of the current head once its blank line was seen
    QByteArray m_headTail;   // the last bytes of an unfinished head, to find a blank line split across reads
    bool m_requestTimerRunning = false;
    bool m_closing = false;
    bool m_writeShutDown = false;
    std::deque<std::shared_ptr<QueuedReply>> m_replies;
};

// The open connections of one transport (all its listeners), capped at HttpLimits::maxConnections.
class HttpConnectionPool : public QObject {
    Q_OBJECT
public:
    // `httpServer` is the QAbstractHttpServer whose readyRead handlers a refused connection cuts off.
    HttpConnectionPool(const HttpLimits &limits, QObject *httpServer, QObject *parent = nullptr);

    // Takes a freshly accepted socket. At the cap it first closes the least recently active idle
    // connection (or, if none is idle, the oldest one still receiving a request). Returns false,
    // having answered 503 and scheduled the socket's deletion, when every connection is busy with
    // a reply.
    bool admit(QTcpSocket *socket);
    // Open connections (closing ones no longer count).
    int count() const { return int(m_connections.size()); }
    const HttpLimits &limits() const { return m_limits; }
    // Lowers the cap (e.g. to stay below the process's file descriptor limit).
    void setMaxConnections(int maxConnections) { m_limits.maxConnections = maxConnections; }

    // Called by a connection that closes or dies: it no longer counts against the cap.
    void release(QTcpSocket *socket);

private:
    HttpLimits m_limits;
    QObject *m_httpServer;
    QHash<QTcpSocket *, HttpConnection *> m_connections;
};

} // namespace keyward::transport
