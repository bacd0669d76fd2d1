#include "policy/queryguard.h"

#include "policy/denial.h"

namespace keyward::policy {

namespace {

bool isControl(char16_t u)
{
    return u < 0x20 || u == 0x7f || (u >= 0x80 && u <= 0x9f);
}

// The form of a parameter name that a lenient server could end up with; see checkQueryItems.
QString parameterIdentity(const QString &name)
{
    QString text = name;
    for (int round = 0; round < 8; ++round) {
        QByteArray bytes = text.toUtf8();
        bytes.replace('+', ' ');
        const QString decoded = QString::fromUtf8(QByteArray::fromPercentEncoding(bytes)).trimmed();
        if (decoded == text)
            break;
        text = decoded;
    }
    if (const qsizetype nul = text.indexOf(QChar(u'\0')); nul >= 0)
        text.truncate(nul); // a C string ends there
    text = text.trimmed();
    if (const qsizetype open = text.indexOf(u'['); open > 0 && text.endsWith(u']'))
        text.truncate(open);
    text = text.trimmed();
    text.replace(u'.', u'_').replace(u' ', u'_').replace(u'[', u'_');
    return text.normalized(QString::NormalizationForm_KC).toCaseFolded();
}

QString printable(const QString &text)
{
    QString out;
    for (const QChar c : text.left(100)) {
        if (isControl(c.unicode()))
            out += QStringLiteral("\\x%1").arg(uint(c.unicode()), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

} // namespace

Result<QueryItems> checkQuery(const nlohmann::json &query, const ServiceConfig &service)
{
    QueryItems items;
    if (query.is_null())
        return items;
    if (!query.is_object())
        return Error{QStringLiteral("invalid_argument"),
                     QStringLiteral("`query` must be an object whose values are strings or arrays of strings, e.g. "
                                    "{\"page\": \"2\", \"tag\": [\"a\", \"b\"]}.")};
    for (const auto &[key, value] : query.items()) {
        const QString name = QString::fromStdString(key);
        const Error wrongType{QStringLiteral("invalid_argument"),
                              QStringLiteral("The query parameter \"%1\" must be a string or an array of strings; "
                                             "write numbers and booleans as strings.")
                                  .arg(printable(name))};
        if (value.is_string()) {
            items.append({name, QString::fromStdString(value.get<std::string>())});
            continue;
        }
        if (!value.is_array())
            return wrongType;
        for (const nlohmann::json &element : value) {
            if (!element.is_string())
                return wrongType;
            items.append({name, QString::fromStdString(element.get<std::string>())});
        }
    }
    return checkQueryItems(items, service);
}

Result<QueryItems> checkQueryItems(const QueryItems &items, const ServiceConfig &service)
{
    const bool guarded = service.auth.type == AuthType::Query && !service.auth.param.trimmed().isEmpty();
    const QString credential = guarded ? parameterIdentity(service.auth.param) : QString();
    for (const auto &[key, value] : items) {
        if (key.isEmpty())
            return Error{QStringLiteral("invalid_argument"),
                         QStringLiteral("A query parameter has an empty name: give every parameter a name.")};
        for (const QChar c : key) {
            if (isControl(c.unicode()))
                return denial(QStringLiteral("query:invalid"),
                              QStringLiteral("The query parameter name \"%1\" contains a control character: remove it.")
                                  .arg(printable(key)));
        }
        if (value.contains(QChar(u'\0')))
            return denial(QStringLiteral("query:invalid"),
                          QStringLiteral("The value of query parameter \"%1\" contains a NUL character: remove it.")
                              .arg(printable(key)));
        if (guarded && parameterIdentity(key) == credential)
            return denial(QStringLiteral("query:") + service.auth.param,
                          QStringLiteral("The query parameter \"%1\" is where the service's credential goes, which "
                                         "Keyward adds itself: remove it from `query`.")
                              .arg(printable(key)));
    }
    return items;
}

QByteArray encodeQuery(const QueryItems &items)
{
    QByteArray out;
    for (const auto &[key, value] : items) {
        if (!out.isEmpty())
            out += '&';
        out += key.toUtf8().toPercentEncoding() + '=' + value.toUtf8().toPercentEncoding();
    }
    return out;
}

} // namespace keyward::policy
