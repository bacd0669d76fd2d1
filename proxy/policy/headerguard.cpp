#include "policy/headerguard.h"

#include "policy/denial.h"

#include <QHash>
#include <QSet>

namespace keyward::policy {

namespace {

bool isTokenChar(QChar c)
{
    const char16_t u = c.unicode();
    if ((u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9'))
        return true;
    return QStringView(u"!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(const QString &name)
{
    if (name.isEmpty())
        return false;
    for (const QChar c : name) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

// A field value may hold visible characters, space, TAB and non-ASCII text (sent as UTF-8), but no
// control character; a lone surrogate is not text.
bool isValidValue(const QString &value)
{
    for (qsizetype i = 0; i < value.size(); ++i) {
        const QChar c = value.at(i);
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\t') || u == 0x7f || (u >= 0x80 && u <= 0x9f) || u == 0x2028 || u == 0x2029)
            return false;
        if (c.isHighSurrogate() && i + 1 < value.size() && value.at(i + 1).isLowSurrogate()) {
            ++i;
            continue;
        }
        if (c.isSurrogate())
            return false;
    }
    return true;
}

enum class Refusal { None, Credential, Routing, MethodOverride, Framing };

Refusal refusalOf(const QString &lower)
{
    static const QSet<QString> credential{QStringLiteral("authorization"), QStringLiteral("cookie"),
                                          QStringLiteral("cookie2")};
    static const QSet<QString> routing{
        QStringLiteral("host"),          QStringLiteral("forwarded"),        QStringLiteral("x-forwarded"),
        QStringLiteral("x-real-ip"),     QStringLiteral("x-client-ip"),      QStringLiteral("true-client-ip"),
        QStringLiteral("x-originating-ip"), QStringLiteral("x-cluster-client-ip"), QStringLiteral("x-remote-ip"),
        QStringLiteral("x-remote-addr"), QStringLiteral("cf-connecting-ip"), QStringLiteral("fastly-client-ip"),
        QStringLiteral("x-host"),        QStringLiteral("x-original-host")};
    static const QSet<QString> methodOverride{QStringLiteral("x-http-method-override"), QStringLiteral("x-http-method"),
                                              QStringLiteral("x-method-override"), QStringLiteral("x-original-url"),
                                              QStringLiteral("x-rewrite-url")};
    static const QSet<QString> framing{QStringLiteral("connection"),        QStringLiteral("keep-alive"),
                                       QStringLiteral("te"),                QStringLiteral("trailer"),
                                       QStringLiteral("transfer-encoding"), QStringLiteral("upgrade"),
                                       QStringLiteral("http2-settings"),    QStringLiteral("content-length")};
    if (credential.contains(lower))
        return Refusal::Credential;
    if (lower.startsWith(u"proxy-"))
        return Refusal::Credential;
    if (routing.contains(lower) || lower.startsWith(u"x-forwarded-"))
        return Refusal::Routing;
    if (methodOverride.contains(lower))
        return Refusal::MethodOverride;
    if (framing.contains(lower))
        return Refusal::Framing;
    return Refusal::None;
}

Error refuseHeader(const QString &name, Refusal why)
{
    QString reason;
    switch (why) {
    case Refusal::Credential:
        reason = QStringLiteral("it carries credentials, which Keyward adds itself");
        break;
    case Refusal::Routing:
        reason = QStringLiteral("it changes which host or client the server sees");
        break;
    case Refusal::MethodOverride:
        reason = QStringLiteral("it overrides the method or URL the policy checked");
        break;
    case Refusal::Framing:
        reason = QStringLiteral("it controls the connection or message framing, which Keyward manages");
        break;
    case Refusal::None:
        break;
    }
    return denial(QStringLiteral("header:") + name.toLower(),
                  QStringLiteral("The header %1 cannot be set by an agent because %2: remove it from `headers`.")
                      .arg(name, reason));
}

// `text` with control characters shown as \xNN, cut at 100 characters, for a message.
QString printable(const QString &text)
{
    QString out;
    for (const QChar c : text.left(100)) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || (c.unicode() >= 0x80 && c.unicode() <= 0x9f))
            out += QStringLiteral("\\x%1").arg(uint(c.unicode()), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

QSet<QString> lowered(const QStringList &names)
{
    QSet<QString> out;
    for (const QString &name : names)
        out.insert(name.trimmed().toLower());
    return out;
}

} // namespace

const QStringList &defaultAllowedHeaders()
{
    static const QStringList names{QStringLiteral("accept"),          QStringLiteral("accept-language"),
                                   QStringLiteral("content-type"),    QStringLiteral("idempotency-key"),
                                   QStringLiteral("if-match"),        QStringLiteral("if-none-match")};
    return names;
}

Result<FilteredHeaders> filterHeaders(const nlohmann::json &agentHeaders, const ServiceConfig &service)
{
    FilteredHeaders out;
    if (agentHeaders.is_null())
        return out;
    if (!agentHeaders.is_object())
        return Error{QStringLiteral("invalid_argument"),
                     QStringLiteral("`headers` must be an object of strings, e.g. "
                                    "{\"Accept\": \"application/json\"}.")};

    QSet<QString> allowed = lowered(defaultAllowedHeaders()) | lowered(service.policy.allowHeaders);
    QStringList setNames{QStringLiteral("user-agent")};
    for (const auto &[name, value] : service.setHeaders)
        setNames.append(name);
    const QSet<QString> keywardSets = lowered(setNames);
    const QString credentialHeader =
        service.auth.type == AuthType::Header ? service.auth.header.trimmed().toLower() : QString();

    QHash<QString, QString> seen; // lowercase → agent's spelling
    for (const auto &[key, value] : agentHeaders.items()) {
        const QString name = QString::fromStdString(key);
        const QString lower = name.toLower();
        if (!value.is_string())
            return Error{QStringLiteral("invalid_argument"),
                         QStringLiteral("The value of header %1 must be a string; join repeated values with \", \".")
                             .arg(name)};
        if (const auto previous = seen.constFind(lower); previous != seen.cend())
            return Error{QStringLiteral("invalid_argument"),
                         QStringLiteral("The header %1 is given twice (as %2 and %1): give it once.")
                             .arg(name, *previous)};
        seen.insert(lower, name);

        const QString text = QString::fromStdString(value.get<std::string>());
        if (!isToken(name))
            return denial(QStringLiteral("header:invalid"),
                          QStringLiteral("The header name \"%1\" is not a valid HTTP field name (letters, digits and "
                                         "!#$%&'*+-.^_`|~ only): fix or remove it.")
                              .arg(printable(name)));
        if (const Refusal why = refusalOf(lower); why != Refusal::None)
            return refuseHeader(name, why);
        if (!credentialHeader.isEmpty() && lower == credentialHeader)
            return refuseHeader(name, Refusal::Credential);
        if (!isValidValue(text))
            return denial(QStringLiteral("header:invalid"),
                          QStringLiteral("The value of header %1 contains a line break, NUL or other control "
                                         "character: remove it.")
                              .arg(name));
        if (keywardSets.contains(lower) || !allowed.contains(lower))
            out.dropped.append(name);
        else
            out.headers.append({name, text});
    }
    return out;
}

} // namespace keyward::policy
