#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

#include <optional>

namespace keyward::transport {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// Checks on request headers that MCP's Streamable HTTP transport and Keyward's DNS-rebinding
// protection need. Pure functions; header names compare case-insensitively, values are raw bytes.

// The values of header `name` (any case), in the order received.
QList<QByteArray> headerValues(const HttpHeaders &headers, QByteArrayView name);

// Host must name the loopback listener exactly: 127.0.0.1:PORT, localhost:PORT or [::1]:PORT.
bool isAllowedHost(QByteArrayView host, quint16 port);

// Origin, when a browser sends one, must be a loopback http origin (any port):
// http://127.0.0.1, http://localhost or http://[::1], optionally with :PORT.
bool isAllowedOrigin(QByteArrayView origin);

// Whether a Content-Type is application/json (parameters such as charset allowed).
bool isJsonContentType(QByteArrayView contentType);

// Whether an Accept header admits both application/json and text/event-stream (wildcards count,
// a range with q=0 excludes).
bool acceptsJsonAndEventStream(QByteArrayView accept);

// The token of an `Authorization: Bearer <token>` value; nullopt for another scheme or no token.
std::optional<QByteArray> bearerToken(QByteArrayView authorization);

// A header name and value safe to write: a token name, and a value without CR, LF or NUL.
bool isWritableHeader(QByteArrayView name, QByteArrayView value);

} // namespace keyward::transport
