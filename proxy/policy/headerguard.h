#pragma once

#include "config/config.h"
#include "core/result.h"

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace keyward::policy {

// The agent's `headers` after the guard (DESIGN.md "Policy", "MCP surface").
struct FilteredHeaders {
    // Headers to send, with the agent's spelling of the name and its value, in the object's order.
    // Values are sent as UTF-8.
    QList<QPair<QString, QString>> headers;
    // Headers not sent, with the agent's spelling, in the object's order; reported to the agent as
    // `droppedHeaders`.
    QStringList dropped;

    bool operator==(const FilteredHeaders &) const = default;
};

// Headers an agent may send to every service, lowercase: accept, accept-language, content-type,
// idempotency-key, if-match, if-none-match.
const QStringList &defaultAllowedHeaders();

// Filters the `headers` object of an `execute` call for `service` (its policy.allowHeaders,
// setHeaders and auth). Names compare case-insensitively. Null means no headers.
//
// In this order, per header:
//   1. refused, header:invalid: a name that is not an RFC 9110 token (empty, spaces, `:`, …) or a
//      value with NUL, CR, LF or another control character (TAB is allowed)
//   2. refused, header:<lowercase name>: headers that carry credentials, pick the target or route,
//      override the method or URL, or frame the message: Authorization, Cookie, Cookie2, Host,
//      Forwarded, X-Forwarded and X-Forwarded-*, Proxy-* (Proxy-Authorization, Proxy-Connection…),
//      X-Real-IP and the other client-IP headers (X-Client-IP, True-Client-IP, X-Originating-IP,
//      X-Cluster-Client-IP, X-Remote-IP, X-Remote-Addr, CF-Connecting-IP, Fastly-Client-IP),
//      X-Host, X-Original-Host, X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override,
//      X-Original-URL, X-Rewrite-URL, Connection, Keep-Alive, TE, Trailer, Transfer-Encoding,
//      Upgrade, HTTP2-Settings, Content-Length, and for AuthType::Header the credential's own header
//      (auth.header). Listing one of them in allowHeaders does not allow it.
//   3. dropped: User-Agent and every name in setHeaders (Keyward sets those itself)
//   4. kept: defaultAllowedHeaders() and policy.allowHeaders
//   5. dropped: anything else
// Errors: invalid_argument when `agentHeaders` is not an object, a value is not a string, or a name
// appears twice in different case; the message names the header. A denial (denial.h) for 1 and 2.
// The caller passes the service with the agent's effective policy, and on /proxy/ removes the
// agent token from the credential header before calling.
Result<FilteredHeaders> filterHeaders(const nlohmann::json &agentHeaders, const ServiceConfig &service);

} // namespace keyward::policy
