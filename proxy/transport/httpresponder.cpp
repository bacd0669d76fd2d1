#include "transport/httpresponder.h"

#include "core/logging.h"
#include "transport/httpconnection.h"
#include "transport/httprules.h"
#include "transport/httpwire.h"

namespace keyward::transport {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("core.http");
    return logger;
}

bool isFramingHeader(const QByteArray &lowerName)
{
    return lowerName == "transfer-encoding" || lowerName == "connection" || lowerName == "keep-alive";
}

} // namespace

HttpStreamResponder::HttpStreamResponder(HttpConnection *connection, std::shared_ptr<QueuedReply> reply,
                                         bool headRequest, bool closeAfter)
    : m_connection(connection), m_reply(std::move(reply)), m_headRequest(headRequest)
{
    m_reply->closeAfter = closeAfter;
}

HttpStreamResponder::~HttpStreamResponder()
{
    if (m_reply->ended)
        return;
    if (!m_headWritten) {
        log()->warn("a response was dropped before its head: answering 500");
        reply(500, {{"Content-Type", "application/json"}},
              jsonErrorBody(kTransportError, QStringLiteral("The server dropped this request.")));
        return;
    }
    // The body is incomplete: closing the connection is the only way to tell the client.
    m_reply->closeAfter = true;
    m_chunked = false;
    m_remaining.reset();
    end();
}

void HttpStreamResponder::send(const QByteArray &bytes)
{
    if (m_connection)
        m_connection->write(m_reply, bytes);
}

void HttpStreamResponder::writeHead(int status, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    if (m_reply->ended) // ended, or the client went away
        return;
    if (m_headWritten) {
        log()->warn("writeHead called twice: ignored");
        return;
    }
    m_headWritten = true;
    if (status < 200 || status > 599) {
        log()->warn("status {} cannot be sent: answering 502", status);
        status = 502;
    }
    const bool statusHasBody = status != 204 && status != 304;
    m_bodyAllowed = statusHasBody && !m_headRequest;

    QByteArray head = statusLine(status);
    for (const auto &[name, value] : headers) {
        const QByteArray lower = name.toLower();
        if (isFramingHeader(lower))
            continue;
        if (!isWritableHeader(name, value)) {
            log()->warn("dropped a response header with an invalid name or value");
            continue;
        }
        if (lower == "content-length") {
            bool ok = false;
            const qint64 length = value.trimmed().toLongLong(&ok);
            if (!statusHasBody || m_remaining || !ok || length < 0)
                continue;
            m_remaining = length;
        }
        head += name + ": " + value + "\r\n";
    }
    if (statusHasBody && !m_remaining && !m_headRequest) {
        head += "Transfer-Encoding: chunked\r\n";
        m_chunked = true;
    }
    if (m_reply->closeAfter)
        head += "Connection: close\r\n";
    head += "\r\n";
    send(head);
}

void HttpStreamResponder::writeChunk(const QByteArray &bytes)
{
    if (m_reply->ended)
        return;
    if (!m_headWritten)
        writeHead(200, {});
    if (!m_bodyAllowed || bytes.isEmpty())
        return;
    if (m_chunked) {
        send(QByteArray::number(bytes.size(), 16) + "\r\n" + bytes + "\r\n");
        return;
    }
    if (m_remaining) {
        const qint64 allowed = qMin<qint64>(*m_remaining, bytes.size());
        if (allowed < bytes.size())
            log()->warn("a response body is longer than its Content-Length: the excess was dropped");
        *m_remaining -= allowed;
        send(allowed == bytes.size() ? bytes : bytes.first(allowed));
        return;
    }
    send(bytes);
}

void HttpStreamResponder::end()
{
    if (m_reply->ended)
        return;
    if (!m_headWritten)
        writeHead(200, {{"Content-Length", "0"}});
    if (m_chunked && m_bodyAllowed)
        send(QByteArrayLiteral("0\r\n\r\n"));
    if (m_remaining && *m_remaining > 0 && m_bodyAllowed) {
        log()->warn("a response body is shorter than its Content-Length: closing the connection");
        m_reply->closeAfter = true;
    }
    m_reply->ended = true;
    if (m_connection)
        m_connection->replyEnded(m_reply);
}

bool HttpStreamResponder::isOpen() const
{
    return !m_reply->ended && m_connection && m_connection->isConnected();
}

std::shared_ptr<Cancellation> HttpStreamResponder::cancellation() const
{
    return m_reply->cancellation;
}

void HttpStreamResponder::reply(int status, const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &body)
{
    QList<QPair<QByteArray, QByteArray>> all = headers;
    if (status != 204 && status != 304)
        all.append({"Content-Length", QByteArray::number(body.size())});
    writeHead(status, all);
    writeChunk(body);
    end();
}

} // namespace keyward::transport
