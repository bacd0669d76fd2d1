#pragma once

#include <QElapsedTimer>
#include <QPointer>
#include <QTcpServer>

namespace keyward::transport {

class HttpConnectionPool;

// A listening socket that hands each accepted connection to the pool (which connects its guard)
// before Qt HttpServer sees it: bind() it to a QAbstractHttpServer after listen().
class GuardedTcpServer : public QTcpServer {
    Q_OBJECT
public:
    explicit GuardedTcpServer(HttpConnectionPool *pool, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    QPointer<HttpConnectionPool> m_pool;
    QElapsedTimer m_lastAcceptWarning;
};

} // namespace keyward::transport
