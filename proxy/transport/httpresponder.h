#pragma once

#include "core/cancellation.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>

namespace keyward::transport {

class HttpConnection;
struct QueuedReply;

// One request to http://127.0.0.1:PORT/proxy/..., after the transport's Host/Origin checks and
// size limits and before any authentication (the handler authenticates).
struct HttpExchangeRequest {
    QByteArray method;    // "GET", "POST", ... (upper case)
    QByteArray target;    // the path after "/proxy", still percent-encoded, with its leading '/'
    QByteArray rawQuery;  // percent-encoded, without '?'; empty when none
    QList<QPair<QByteArray, QByteArray>> headers; // names lowercased, in the order received
    QByteArray body;
    QHostAddress peer;
};

// Writes one HTTP response, possibly over time. Made by the transport for one request; owned via
// shared_ptr by whoever answers it. Every method is safe after the client disconnected (writes
// are then dropped). Responses leave a connection in the order their requests arrived.
//
// Contract: writeHead once, then writeChunk any number of times, then end. The body is chunked
// unless the head carries Content-Length (more bytes than declared are dropped; fewer close the
// connection at end()). Transfer-Encoding, Connection and Keep-Alive headers given are dropped
// (the transport owns the framing), as is any header with CR, LF or NUL. A response dropped
// without end() is finished for the client: a 500 if no head was written, else the connection
// closes so the client sees a truncated body.
class HttpStreamResponder {
public:
    // For the transport: `headRequest` (no body is ever sent), `closeAfter` (the client asked for
    // Connection: close).
    HttpStreamResponder(HttpConnection *connection, std::shared_ptr<QueuedReply> reply, bool headRequest,
                        bool closeAfter);
    ~HttpStreamResponder();
    HttpStreamResponder(const HttpStreamResponder &) = delete;
    HttpStreamResponder &operator=(const HttpStreamResponder &) = delete;

    void writeHead(int status, const QList<QPair<QByteArray, QByteArray>> &headers);
    void writeChunk(const QByteArray &bytes);
    void end();

    // Whether the client is still connected and the response has not ended.
    bool isOpen() const;
    // Fires ("client disconnected") when the client goes away before end().
    std::shared_ptr<Cancellation> cancellation() const;

    // Convenience for complete responses: head with Content-Length, body, end.
    void reply(int status, const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &body);

private:
    void send(const QByteArray &bytes);

    QPointer<HttpConnection> m_connection;
    std::shared_ptr<QueuedReply> m_reply;
    const bool m_headRequest;
    bool m_headWritten = false;
    bool m_bodyAllowed = true;
    bool m_chunked = false;
    std::optional<qint64> m_remaining; // bytes still owed when Content-Length was given
};

// Answers /proxy requests; see HttpTransport::setProxyHandler.
using ProxyHandler = std::function<void(HttpExchangeRequest, std::shared_ptr<HttpStreamResponder>)>;

} // namespace keyward::transport
