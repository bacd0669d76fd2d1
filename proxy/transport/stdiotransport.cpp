#include "transport/stdiotransport.h"

#include <QMetaObject>
#include <QPointer>

#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace keyward::transport {

StdioTransport::StdioTransport(QObject *parent)
    : QObject(parent), m_alive(std::make_shared<std::atomic<bool>>(true))
{
}

StdioTransport::~StdioTransport()
{
    m_alive->store(false);
    // The reader may be blocked in read() for good (the peer never closes stdin): let it go; it
    // touches nothing but the shared flag and queued calls that are dropped with this object.
    if (m_reader.joinable())
        m_reader.detach();
}

void StdioTransport::start(int inputFd)
{
    QPointer<StdioTransport> self(this);
    auto alive = m_alive;
    auto post = [self, alive](auto &&call) {
        if (!alive->load())
            return;
        QMetaObject::invokeMethod(
            self.data(), [self, call] { if (self) call(self.data()); }, Qt::QueuedConnection);
    };

    m_reader = std::thread([inputFd, post] {
        QByteArray pending;
        bool discarding = false;
        char buffer[64 * 1024];
        for (;;) {
            const ssize_t n = ::read(inputFd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            qsizetype start = 0;
            for (qsizetype i = 0; i < n; ++i) {
                if (buffer[i] != '\n')
                    continue;
                if (discarding) {
                    discarding = false;
                } else {
                    pending.append(buffer + start, i - start);
                    if (pending.endsWith('\r'))
                        pending.chop(1);
                    if (!pending.trimmed().isEmpty())
                        post([line = pending](StdioTransport *t) { Q_EMIT t->lineReceived(line); });
                }
                pending.clear();
                start = i + 1;
            }
            if (!discarding)
                pending.append(buffer + start, n - start);
            if (!discarding && pending.size() > kMaxLineBytes) {
                pending.clear();
                discarding = true;
                post([](StdioTransport *t) { Q_EMIT t->lineTooLong(); });
            }
        }
        if (!discarding && !pending.trimmed().isEmpty())
            post([line = pending](StdioTransport *t) { Q_EMIT t->lineReceived(line); });
        post([](StdioTransport *t) { Q_EMIT t->endOfInput(); });
    });
}

void StdioTransport::send(const QByteArray &message)
{
    std::fwrite(message.constData(), 1, size_t(message.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

} // namespace keyward::transport
