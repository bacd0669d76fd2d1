#include "mcp/jsonrpc.h"

namespace keyward::mcp {

namespace {

bool isValidId(const json &id)
{
    return id.is_string() || id.is_number_integer();
}

} // namespace

RpcMessage classifyMessage(const json &value)
{
    if (!value.is_object())
        return RpcInvalid{nullptr, rpc_error::kInvalidRequest, "Invalid Request: a JSON-RPC message must be an object"};

    const auto idIt = value.find("id");
    const bool hasId = idIt != value.end();
    const json id = hasId && isValidId(*idIt) ? *idIt : json(nullptr);

    const auto version = value.find("jsonrpc");
    if (version == value.end() || *version != "2.0")
        return RpcInvalid{id, rpc_error::kInvalidRequest, "Invalid Request: \"jsonrpc\" must be \"2.0\""};
    if (hasId && !isValidId(*idIt))
        return RpcInvalid{nullptr, rpc_error::kInvalidRequest, "Invalid Request: \"id\" must be a string or an integer"};

    const auto method = value.find("method");
    if (method == value.end()) {
        if (hasId && (value.contains("result") || value.contains("error")))
            return RpcResponse{id};
        return RpcInvalid{id, rpc_error::kInvalidRequest, "Invalid Request: \"method\" is missing"};
    }
    if (!method->is_string())
        return RpcInvalid{id, rpc_error::kInvalidRequest, "Invalid Request: \"method\" must be a string"};

    json params = nullptr;
    if (const auto p = value.find("params"); p != value.end()) {
        if (!p->is_object() && !p->is_array())
            return RpcInvalid{id, rpc_error::kInvalidRequest, "Invalid Request: \"params\" must be an object"};
        params = *p;
    }
    if (!hasId)
        return RpcNotification{method->get<std::string>(), std::move(params)};
    return RpcRequest{id, method->get<std::string>(), std::move(params)};
}

RpcFrame parseFrame(const QByteArray &text)
{
    json value = json::parse(text.begin(), text.end(), nullptr, false);
    if (value.is_discarded())
        return RpcParseError{"Parse error: the message is not valid JSON"};
    if (value.is_array()) {
        RpcBatch batch;
        batch.reserve(value.size());
        for (const json &item : value)
            batch.push_back(classifyMessage(item));
        return batch;
    }
    return classifyMessage(value);
}

json makeResult(const json &id, json result)
{
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json makeError(const json &id, int code, const std::string &message)
{
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

QByteArray serialize(const json &message)
{
    return QByteArray::fromStdString(message.dump(-1, ' ', false, json::error_handler_t::replace));
}

} // namespace keyward::mcp
