#include "mcp/executearguments.h"

#include <array>
#include <string_view>

namespace keyward::mcp {

using json = nlohmann::json;

namespace {

constexpr std::array<std::string_view, 8> kKnownArguments = {"service", "method", "path",         "query",
                                                            "headers", "body",   "bodyEncoding", "reason"};

Error invalid(const QString &message)
{
    return Error{QStringLiteral("invalid_argument"), message};
}

std::optional<Error> requireString(const json &arguments, const char *name, QString &out, bool required)
{
    const auto it = arguments.find(name);
    if (it == arguments.end() || it->is_null()) {
        if (required)
            return invalid(QStringLiteral("`%1` is required and must be a string").arg(QLatin1String(name)));
        return std::nullopt;
    }
    if (!it->is_string())
        return invalid(QStringLiteral("`%1` must be a string, not %2").arg(QLatin1String(name), QLatin1String(it->type_name())));
    out = QString::fromStdString(it->get<std::string>());
    return std::nullopt;
}

} // namespace

Result<ExecuteArguments> parseExecuteArguments(const json &arguments)
{
    if (!arguments.is_object())
        return invalid(QStringLiteral("the arguments must be an object"));
    for (const auto &[key, value] : arguments.items()) {
        if (std::find(kKnownArguments.begin(), kKnownArguments.end(), key) == kKnownArguments.end())
            return invalid(QStringLiteral("unknown argument `%1`; execute takes service, method, path, query, headers, "
                                          "body, bodyEncoding and reason")
                               .arg(QString::fromStdString(key)));
    }

    ExecuteArguments parsed;
    QString bodyEncoding;
    for (const auto &[name, target, required] :
         {std::tuple{"service", &parsed.service, true}, std::tuple{"method", &parsed.method, true},
          std::tuple{"path", &parsed.path, true}, std::tuple{"reason", &parsed.reason, false},
          std::tuple{"bodyEncoding", &bodyEncoding, false}}) {
        if (auto error = requireString(arguments, name, *target, required))
            return *error;
    }
    if (parsed.service.isEmpty())
        return invalid(QStringLiteral("`service` must not be empty; call list_services to see the services"));
    if (!bodyEncoding.isEmpty() && bodyEncoding != QLatin1String("utf8") && bodyEncoding != QLatin1String("base64"))
        return invalid(QStringLiteral("`bodyEncoding` must be \"utf8\" or \"base64\""));

    for (const auto &[name, target] : {std::pair{"query", &parsed.query}, std::pair{"headers", &parsed.headers}}) {
        const auto it = arguments.find(name);
        if (it == arguments.end() || it->is_null())
            continue;
        if (!it->is_object())
            return invalid(QStringLiteral("`%1` must be an object, not %2").arg(QLatin1String(name), QLatin1String(it->type_name())));
        *target = *it;
    }

    if (const auto body = arguments.find("body"); body != arguments.end() && !body->is_null()) {
        if (bodyEncoding == QLatin1String("base64")) {
            if (!body->is_string())
                return invalid(QStringLiteral("`body` must be a base64 string when `bodyEncoding` is \"base64\""));
            const auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromStdString(body->get<std::string>()),
                                                                QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded)
                return invalid(QStringLiteral("`body` is not valid base64"));
            parsed.body = *decoded;
        } else if (body->is_string()) {
            parsed.body = QByteArray::fromStdString(body->get<std::string>());
        } else {
            parsed.body = QByteArray::fromStdString(body->dump(-1, ' ', false, json::error_handler_t::replace));
            parsed.bodyIsJson = true;
        }
    } else if (bodyEncoding == QLatin1String("base64")) {
        return invalid(QStringLiteral("`bodyEncoding` is \"base64\" but there is no `body`"));
    }
    return parsed;
}

} // namespace keyward::mcp
