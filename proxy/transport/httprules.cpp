#include "transport/httprules.h"

#include <QList>

namespace keyward::transport {

namespace {

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

bool isDigits(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 5)
        return false;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

bool isLoopbackHostName(QByteArrayView host)
{
    return host == "127.0.0.1" || equalsIgnoringCase(host, "localhost") || host == "[::1]";
}

// Splits "host[:port]" where host may be a bracketed IPv6 literal.
bool splitHostPort(QByteArrayView text, QByteArrayView &host, QByteArrayView &port)
{
    qsizetype colon = -1;
    if (text.startsWith('[')) {
        const qsizetype close = text.indexOf(']');
        if (close < 0)
            return false;
        if (close + 1 < text.size()) {
            if (text.at(close + 1) != ':')
                return false;
            colon = close + 1;
        }
    } else {
        colon = text.lastIndexOf(':');
    }
    host = colon < 0 ? text : text.first(colon);
    port = colon < 0 ? QByteArrayView() : text.sliced(colon + 1);
    return colon < 0 || isDigits(port);
}

// The media type of one Accept or Content-Type element, without parameters, trimmed; `q` gets the
// element's quality (1 when absent).
QByteArrayView mediaType(QByteArrayView element, double *q = nullptr)
{
    const qsizetype semicolon = element.indexOf(';');
    const QByteArrayView type = (semicolon < 0 ? element : element.first(semicolon)).trimmed();
    if (q) {
        *q = 1.0;
        QByteArrayView rest = semicolon < 0 ? QByteArrayView() : element.sliced(semicolon + 1);
        while (!rest.isEmpty()) {
            const qsizetype next = rest.indexOf(';');
            const QByteArrayView parameter = (next < 0 ? rest : rest.first(next)).trimmed();
            if (parameter.size() > 2 && (parameter.startsWith("q=") || parameter.startsWith("Q="))) {
                bool ok = false;
                const double value = parameter.sliced(2).toDouble(&ok);
                *q = ok ? value : 0.0;
            }
            rest = next < 0 ? QByteArrayView() : rest.sliced(next + 1);
        }
    }
    return type;
}

} // namespace

QList<QByteArray> headerValues(const HttpHeaders &headers, QByteArrayView name)
{
    QList<QByteArray> values;
    for (const auto &[key, value] : headers) {
        if (equalsIgnoringCase(key, name))
            values.append(value.trimmed());
    }
    return values;
}

bool isAllowedHost(QByteArrayView host, quint16 port)
{
    QByteArrayView name;
    QByteArrayView portText;
    if (!splitHostPort(host.trimmed(), name, portText) || portText.isEmpty())
        return false;
    return isLoopbackHostName(name) && portText.toUInt() == port && !portText.startsWith('0');
}

bool isAllowedOrigin(QByteArrayView origin)
{
    const QByteArrayView trimmed = origin.trimmed();
    constexpr QByteArrayView scheme = "http://";
    if (trimmed.size() <= scheme.size() || !equalsIgnoringCase(trimmed.first(scheme.size()), scheme))
        return false;
    QByteArrayView name;
    QByteArrayView port;
    if (!splitHostPort(trimmed.sliced(scheme.size()), name, port))
        return false;
    return isLoopbackHostName(name);
}

bool isJsonContentType(QByteArrayView contentType)
{
    return equalsIgnoringCase(mediaType(contentType), "application/json");
}

bool acceptsJsonAndEventStream(QByteArrayView accept)
{
    bool json = false;
    bool eventStream = false;
    for (const QByteArray &element : accept.toByteArray().split(',')) {
        double q = 1.0;
        const QByteArrayView type = mediaType(element, &q);
        if (q <= 0.0)
            continue;
        const bool any = type == "*/*";
        json = json || any || equalsIgnoringCase(type, "application/*") || equalsIgnoringCase(type, "application/json");
        eventStream = eventStream || any || equalsIgnoringCase(type, "text/*") || equalsIgnoringCase(type, "text/event-stream");
    }
    return json && eventStream;
}

std::optional<QByteArray> bearerToken(QByteArrayView authorization)
{
    const QByteArrayView value = authorization.trimmed();
    constexpr QByteArrayView scheme = "bearer";
    if (value.size() <= scheme.size() + 1 || !equalsIgnoringCase(value.first(scheme.size()), scheme)
        || (value.at(scheme.size()) != ' ' && value.at(scheme.size()) != '\t'))
        return std::nullopt;
    const QByteArrayView token = value.sliced(scheme.size() + 1).trimmed();
    if (token.isEmpty() || token.contains(' ') || token.contains('\t'))
        return std::nullopt;
    return token.toByteArray();
}

bool isWritableHeader(QByteArrayView name, QByteArrayView value)
{
    if (name.isEmpty())
        return false;
    static constexpr QByteArrayView separators = "()<>@,;:\\\"/[]?={} \t";
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u >= 127 || separators.contains(c))
            return false;
    }
    for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0')
            return false;
    }
    return true;
}

} // namespace keyward::transport
