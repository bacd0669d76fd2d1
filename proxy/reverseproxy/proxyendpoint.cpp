#include "reverseproxy/proxyendpoint.h"

#include "agents/agenttokens.h"
#include "config/configstore.h"
#include "core/logging.h"
#include "reverseproxy/proxyrequest.h"
#include "upstream/callexecutor.h"

#include <nlohmann/json.hpp>

#include <QDateTime>

namespace keyward::reverseproxy {

namespace {

using json = nlohmann::json;
using Headers = QList<QPair<QByteArray, QByteArray>>;

int statusFor(const std::string &error)
{
    if (error == "invalid_argument" || error == "reason_required")
        return 400;
    if (error == "unauthorized")
        return 401;
    if (error == "unknown_service")
        return 404;
    if (error == "rate_limited")
        return 429;
    if (error == "upstream_error")
        return 502;
    if (error == "keychain_error")
        return 503;
    return 403; // denied, killed, disabled, outside_schedule, approval_denied
}

void refuse(transport::HttpStreamResponder &responder, const std::string &error, const std::string &message,
            const std::string &rule = {})
{
    json body{{"error", error}, {"message", message}};
    if (!rule.empty())
        body["rule"] = rule;
    Headers headers{{"content-type", "application/json"}, {"x-keyward-error", QByteArray::fromStdString(error)}};
    if (error == "unauthorized")
        headers.append(qMakePair(QByteArray("www-authenticate"), QByteArray("Bearer realm=\"keyward\"")));
    responder.reply(statusFor(error), headers, QByteArray::fromStdString(body.dump()) + '\n');
}

} // namespace

void ProxyEndpoint::handle(transport::HttpExchangeRequest request, std::shared_ptr<transport::HttpStreamResponder> responder)
{
    const auto target = splitProxyTarget(request.target);
    if (!target) {
        refuse(*responder, "invalid_argument", target.error().message.toStdString());
        return;
    }
    const Config &config = m_config.config();
    const auto found = config.services.find(target->service);
    // An unknown service is only named to an authenticated agent: the token is looked for where
    // a bearer service would take it.
    const ServiceConfig fallback;
    const ServiceConfig &service = found == config.services.end() ? fallback : found->second;

    const ProxyRequest proxyRequest{request.method, request.target, request.rawQuery, request.headers, request.body};
    const auto token = findAgentToken(proxyRequest, service);
    if (!token) {
        refuse(*responder, "unauthorized", token.error().message.toStdString());
        return;
    }
    const auto agent = authenticateAgent(config, *token, QDateTime::currentDateTimeUtc());
    if (!agent) {
        refuse(*responder, "unauthorized", agent.error().message.toStdString());
        return;
    }
    if (found == config.services.end()) {
        refuse(*responder, "unknown_service",
               QStringLiteral("unknown service `%1`: `keyward service list` shows the services").arg(target->service).toStdString());
        return;
    }
    const auto args = toExecuteArguments(proxyRequest, target->service, service, target->path);
    if (!args) {
        refuse(*responder, "invalid_argument", args.error().message.toStdString());
        return;
    }

    json arguments{{"service", args->service.toStdString()},
                   {"method", args->method.toStdString()},
                   {"path", args->path.toStdString()},
                   {"query", args->query},
                   {"headers", args->headers}};
    if (args->body) {
        arguments["body"] = args->body->toBase64().toStdString();
        arguments["bodyEncoding"] = "base64";
    }
    if (!args->reason.isEmpty())
        arguments["reason"] = args->reason.toStdString();

    auto headSent = std::make_shared<bool>(false);
    auto sink = std::make_shared<CallExecutor::StreamSink>();
    sink->head = [responder, headSent](int status, const Headers &headers) {
        *headSent = true;
        // An upstream session cookie is a credential of the user's account: HTTP clients keep and
        // resend cookies, so it stays with Keyward (and a resent Cookie would be refused anyway).
        Headers forwarded;
        for (const auto &header : headers) {
            if (header.first != "set-cookie" && header.first != "set-cookie2")
                forwarded.append(header);
        }
        responder->writeHead(status, forwarded);
    };
    sink->body = [responder](const QByteArray &chunk) { responder->writeChunk(chunk); };

    const Caller caller{*agent, QStringLiteral("proxy")};
    m_executor.executeStreaming(
        arguments, caller, sink,
        [responder, headSent](json result) {
            if (!result.value("isError", false)) {
                responder->end();
                return;
            }
            if (*headSent) {
                // The stream had begun: dropping the responder without end() closes the connection,
                // so the client sees a truncated body rather than a complete one.
                keyward::logger("core.proxy")->info("a streamed /proxy response ended early");
                return;
            }
            json error = json::parse(result["content"][0].value("text", std::string("{}")), nullptr, false);
            if (!error.is_object())
                error = json{{"error", "upstream_error"}, {"message", "the call failed"}};
            refuse(*responder, error.value("error", std::string("denied")), error.value("message", std::string()),
                   error.value("rule", std::string()));
        },
        responder->cancellation());
}

} // namespace keyward::reverseproxy
