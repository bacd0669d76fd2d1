#pragma once

#include <nlohmann/json.hpp>

#include <QByteArray>

#include <string>
#include <variant>
#include <vector>

namespace keyward::mcp {

using json = nlohmann::json;

// JSON-RPC 2.0 error codes used by MCP.
namespace rpc_error {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
} // namespace rpc_error

// One well-formed incoming JSON-RPC message.
struct RpcRequest {
    json id; // a string or an integer
    std::string method;
    json params; // an object, or null when absent
};
struct RpcNotification {
    std::string method;
    json params;
};
// A response from the peer to a request we sent (we send none yet; it is ignored).
struct RpcResponse {
    json id;
};
// A message that is not a valid request: answered with `error` using `id` (null when unknown).
struct RpcInvalid {
    json id;
    int code;
    std::string message;
};
using RpcMessage = std::variant<RpcRequest, RpcNotification, RpcResponse, RpcInvalid>;

// What one line (or HTTP body) holds: a single message, a batch (a JSON array, only valid for
// protocol 2025-03-26; the caller decides), or a parse error.
struct RpcParseError {
    std::string message;
};
using RpcBatch = std::vector<RpcMessage>;
using RpcFrame = std::variant<RpcMessage, RpcBatch, RpcParseError>;

// Parses one framed message. Never throws.
RpcFrame parseFrame(const QByteArray &text);

// Classifies one parsed JSON value as a message. Never throws.
RpcMessage classifyMessage(const json &value);

json makeResult(const json &id, json result);
json makeError(const json &id, int code, const std::string &message);

// Serializes a message on one line (no embedded newline; invalid UTF-8 replaced).
QByteArray serialize(const json &message);

} // namespace keyward::mcp
