#pragma once

#include "config/config.h"
#include "core/result.h"
#include "mcp/executearguments.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace keyward::reverseproxy {

// One HTTP request to `/proxy/<service>/<path>` as the transport received it.
struct ProxyRequest {
    QByteArray method;
    QByteArray target;   // what follows "/proxy": "/<service>/<path>", still percent-encoded, no query
    QByteArray rawQuery; // without '?'
    QList<QPair<QByteArray, QByteArray>> headers; // names lowercased, in arrival order
    QByteArray body;
};

// The service a target names, and the rest of the path ("/" when none), still percent-encoded.
struct ProxyTarget {
    QString service;
    QByteArray path;
};

// Splits "/<service>/<path>". Errors (code invalid_argument) for a missing or invalid service name.
Result<ProxyTarget> splitProxyTarget(const QByteArray &target);

// Finds the agent token (`kwa_…`) where an SDK puts its API key (DESIGN.md "MCP surface"):
// `Authorization: Bearer`, the service's own credential header (after its prefix), the password
// of `Authorization: Basic` for a basic-auth service, or the service's credential query parameter.
// Errors: code "unauthorized" when no token is present, or when a credential slot holds something
// else (a real key sent by mistake must not travel on; the message never echoes it).
Result<QByteArray> findAgentToken(const ProxyRequest &request, const ServiceConfig &service);

// The `execute` arguments of a proxied request: the method, the path, the query (credential
// parameter removed; repeated keys become arrays), the headers the gate is to judge (transport
// headers such as Host, Connection, Content-Length, Accept-Encoding and User-Agent, and every
// place a credential could travel, are removed first; repeated names are joined with ", "), the
// raw body, and the reason from an `X-Keyward-Reason` header.
Result<mcp::ExecuteArguments> toExecuteArguments(const ProxyRequest &request, const QString &service,
                                                 const ServiceConfig &config, const QByteArray &path);

} // namespace keyward::reverseproxy
