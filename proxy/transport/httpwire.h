#pragma once

#include <QByteArray>
#include <QString>

namespace keyward::transport {

// Bytes of HTTP/1.1 responses as the transport writes them.

// "HTTP/1.1 404 Not Found\r\n" (an unknown status gets an empty reason phrase).
QByteArray statusLine(int status);

// A JSON-RPC style error body: {"jsonrpc":"2.0","id":null,"error":{"code":CODE,"message":MESSAGE}}.
QByteArray jsonErrorBody(int code, const QString &message);

// JSON-RPC error codes the transport uses for HTTP-level refusals (beside the standard -32700 and
// -32600): a generic server-side refusal, and an unknown MCP session (the SDKs' convention).
inline constexpr int kTransportError = -32000;
inline constexpr int kSessionNotFound = -32001;

} // namespace keyward::transport
