#pragma once

#include "transport/httpresponder.h"

#include <memory>

namespace keyward {
class CallExecutor;
class ConfigStore;
} // namespace keyward

namespace keyward::reverseproxy {

// The `/proxy/<service>/<path>` endpoint (DESIGN.md "MCP surface") for SDKs and downstream MCP
// servers that take a base URL: the agent token where the SDK puts its API key (proxyrequest.h),
// then the same gate, credential injection, redaction and audit as `execute`, with the response
// streamed back as it arrives (redacted across chunk boundaries). Refusals are HTTP errors with a
// JSON body {error, rule?, message} and an `X-Keyward-Error` header: 401 without a valid token,
// 400 invalid_argument / reason_required, 403 denied / killed / disabled / outside_schedule /
// approval_denied, 404 unknown service, 429 rate_limited, 502 upstream_error, 503 keychain_error.
// A failure after the response head was sent closes the connection (a truncated body).
class ProxyEndpoint {
public:
    ProxyEndpoint(ConfigStore &config, CallExecutor &executor) : m_config(config), m_executor(executor) {}

    void handle(transport::HttpExchangeRequest request, std::shared_ptr<transport::HttpStreamResponder> responder);

private:
    ConfigStore &m_config;
    CallExecutor &m_executor;
};

} // namespace keyward::reverseproxy
