#include "reverseproxy/proxyrequest.h"

#include "core/names.h"

#include <QUrl>

#include <map>

namespace keyward::reverseproxy {

namespace {

constexpr QByteArrayView kTokenPrefix = "kwa_";

Error unauthorized(const QString &message) { return Error{QStringLiteral("unauthorized"), message}; }

Error invalid(const QString &message) { return Error{QStringLiteral("invalid_argument"), message}; }

// Headers that describe the hop between the SDK and Keyward, not the call: Keyward's own request
// upstream sets its own.
bool isTransportHeader(const QByteArray &name)
{
    static const QList<QByteArray> names = {"host",    "connection", "keep-alive", "proxy-connection", "content-length",
                                            "transfer-encoding", "te", "trailer", "upgrade", "accept-encoding",
                                            "user-agent", "x-keyward-reason"};
    return names.contains(name);
}

QByteArray decodeQueryPart(QByteArray part)
{
    part.replace('+', ' ');
    return QByteArray::fromPercentEncoding(part);
}

// The query as (name, value) pairs in order, names and values percent-decoded.
QList<QPair<QByteArray, QByteArray>> queryPairs(const QByteArray &rawQuery)
{
    QList<QPair<QByteArray, QByteArray>> pairs;
    if (rawQuery.isEmpty())
        return pairs;
    for (const QByteArray &item : rawQuery.split('&')) {
        if (item.isEmpty())
            continue;
        const qsizetype equals = item.indexOf('=');
        if (equals < 0)
            pairs.append({decodeQueryPart(item), QByteArray()});
        else
            pairs.append({decodeQueryPart(item.left(equals)), decodeQueryPart(item.mid(equals + 1))});
    }
    return pairs;
}

QByteArray credentialHeaderName(const ServiceConfig &service)
{
    switch (service.auth.type) {
    case AuthType::Header: return service.auth.header.toLower().toLatin1();
    case AuthType::Bearer:
    case AuthType::Basic: return QByteArrayLiteral("authorization");
    case AuthType::Query: return QByteArray();
    }
    return QByteArray();
}

bool looksLikeToken(const QByteArray &value) { return value.startsWith(kTokenPrefix); }

} // namespace

Result<ProxyTarget> splitProxyTarget(const QByteArray &target)
{
    if (!target.startsWith('/'))
        return invalid(QStringLiteral("the URL must be /proxy/<service>/<path>"));
    const qsizetype slash = target.indexOf('/', 1);
    const QByteArray name = slash < 0 ? target.mid(1) : target.mid(1, slash - 1);
    const QString service = QString::fromUtf8(QByteArray::fromPercentEncoding(name));
    if (service.isEmpty())
        return invalid(QStringLiteral("the URL must name a service: /proxy/<service>/<path>"));
    if (!isValidName(service))
        return invalid(QStringLiteral("'%1' is not a service name: use [a-z0-9][a-z0-9_-]{0,63}").arg(service.left(64)));
    return ProxyTarget{service, slash < 0 ? QByteArrayLiteral("/") : target.mid(slash)};
}

Result<QByteArray> findAgentToken(const ProxyRequest &request, const ServiceConfig &service)
{
    const QByteArray credentialHeader = credentialHeaderName(service);
    for (const auto &[name, value] : request.headers) {
        const QByteArray trimmed = value.trimmed();
        if (name == "authorization") {
            if (trimmed.size() > 7 && trimmed.left(7).toLower() == "bearer ") {
                const QByteArray token = trimmed.mid(7).trimmed();
                if (looksLikeToken(token))
                    return token;
                return unauthorized(QStringLiteral("the Authorization header does not hold a Keyward agent token (kwa_…); "
                                                   "give the SDK the token from `keyward agent add` as its API key"));
            }
            if (service.auth.type == AuthType::Basic && trimmed.size() > 6 && trimmed.left(6).toLower() == "basic ") {
                const QByteArray pair = QByteArray::fromBase64(trimmed.mid(6).trimmed());
                const qsizetype colon = pair.indexOf(':');
                const QByteArray password = colon < 0 ? QByteArray() : pair.mid(colon + 1);
                if (looksLikeToken(password))
                    return password;
                return unauthorized(QStringLiteral("the Basic credentials do not hold a Keyward agent token (kwa_…) as the "
                                                   "password"));
            }
            return unauthorized(QStringLiteral("the Authorization header does not hold a Keyward agent token (kwa_…)"));
        }
        if (!credentialHeader.isEmpty() && credentialHeader != "authorization" && name == credentialHeader) {
            QByteArray token = trimmed;
            const QByteArray prefix = service.auth.prefix.toUtf8();
            if (!prefix.isEmpty() && token.startsWith(prefix.trimmed()))
                token = token.mid(prefix.trimmed().size()).trimmed();
            if (looksLikeToken(token))
                return token;
            return unauthorized(QStringLiteral("the %1 header does not hold a Keyward agent token (kwa_…)")
                                    .arg(QString::fromLatin1(name)));
        }
    }
    if (service.auth.type == AuthType::Query && !service.auth.param.isEmpty()) {
        const QByteArray param = service.auth.param.toUtf8();
        for (const auto &[name, value] : queryPairs(request.rawQuery)) {
            if (name != param)
                continue;
            if (looksLikeToken(value))
                return value;
            return unauthorized(QStringLiteral("the %1 query parameter does not hold a Keyward agent token (kwa_…)")
                                    .arg(service.auth.param));
        }
    }
    return unauthorized(QStringLiteral("no Keyward agent token: send `Authorization: Bearer kwa_…` (or put the token "
                                       "where the SDK puts its API key)"));
}

Result<mcp::ExecuteArguments> toExecuteArguments(const ProxyRequest &request, const QString &service,
                                                 const ServiceConfig &config, const QByteArray &path)
{
    mcp::ExecuteArguments args;
    args.service = service;
    args.method = QString::fromLatin1(request.method).toUpper();
    args.path = QString::fromLatin1(path); // still percent-encoded: the gate's normalizer decodes it

    const QByteArray credentialParam = config.auth.type == AuthType::Query ? config.auth.param.toUtf8() : QByteArray();
    std::map<std::string, std::vector<std::string>> query;
    std::vector<std::string> order;
    for (const auto &[name, value] : queryPairs(request.rawQuery)) {
        if (!credentialParam.isEmpty() && name == credentialParam)
            continue;
        const std::string key = name.toStdString();
        if (!query.count(key))
            order.push_back(key);
        query[key].push_back(value.toStdString());
    }
    for (const std::string &key : order) {
        const auto &values = query[key];
        args.query[key] = values.size() == 1 ? nlohmann::json(values.front()) : nlohmann::json(values);
    }

    const QByteArray credentialHeader = credentialHeaderName(config);
    std::map<std::string, std::string> headers;
    for (const auto &[name, value] : request.headers) {
        if (name == "x-keyward-reason") {
            args.reason = QString::fromUtf8(value.trimmed());
            continue;
        }
        if (isTransportHeader(name) || name == "authorization" || (!credentialHeader.isEmpty() && name == credentialHeader))
            continue;
        auto &joined = headers[name.toStdString()];
        joined = joined.empty() ? value.trimmed().toStdString() : joined + ", " + value.trimmed().toStdString();
    }
    for (const auto &[name, value] : headers)
        args.headers[name] = value;

    if (!request.body.isEmpty())
        args.body = request.body;
    return args;
}

} // namespace keyward::reverseproxy
