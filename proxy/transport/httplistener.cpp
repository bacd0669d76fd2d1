#include "transport/httplistener.h"

#include "transport/httpconnection.h"

#include <QTcpSocket>

namespace keyward::transport {

GuardedTcpServer::GuardedTcpServer(HttpConnectionPool *pool, QObject *parent) : QTcpServer(parent), m_pool(pool)
{
    setListenBacklogSize(1024);
    setMaxPendingConnections(1024);
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
