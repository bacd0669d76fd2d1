#include "transport/httplistener.h"

#include "core/logging.h"
#include "transport/httpconnection.h"

#include <QTcpSocket>
#include <QTimer>

namespace keyward::transport {

GuardedTcpServer::GuardedTcpServer(HttpConnectionPool *pool, QObject *parent) : QTcpServer(parent), m_pool(pool)
{
    setListenBacklogSize(1024);
    setMaxPendingConnections(1024);
    // Qt stops accepting for good after an error such as EMFILE (out of file descriptors): keep
    // serving once descriptors are free again.
    connect(this, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError) {
        if (!m_lastAcceptWarning.isValid() || m_lastAcceptWarning.elapsed() > 10000) {
            static const auto log = keyward::logger("core.http");
            log->warn("accepting a connection failed ({}): retrying every 100 ms", errorString().toStdString());
            m_lastAcceptWarning.start();
        }
        QTimer::singleShot(100, this, [this] { resumeAccepting(); });
    });
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor) || !m_pool) {
        delete socket;
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // The pool connects the guard's readyRead slot now, before the HTTP server connects its own
    // when the connection becomes pending.
    if (m_pool->admit(socket))
        addPendingConnection(socket);
}

} // namespace keyward::transport
