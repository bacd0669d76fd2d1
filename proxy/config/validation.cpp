#include "config/validation.h"

#include "policy/schedule.h"

#include <QRegularExpression>
#include <QUrl>

namespace keyward::config_check {

namespace {

bool isControl(QChar c) { return c.unicode() < 0x20 || c.unicode() == 0x7f || c.category() == QChar::Other_Control; }

bool isTokenChar(QChar c)
{
    if (c.unicode() > 0x7e)
        return false;
    const char ch = char(c.unicode());
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
        || QByteArrayView("!#$%&'*+-.^_`|~").contains(ch);
}

// Checks the characters and segments every path (rule glob or request path) shares.
QString pathProblem(const QString &path, bool glob)
{
    if (!path.startsWith(u'/'))
        return QStringLiteral("must start with /");
    if (path.toUtf8().size() > 2048)
        return QStringLiteral("is longer than 2048 bytes");
    for (const QChar c : path) {
        if (isControl(c) || c.isSpace())
            return QStringLiteral("must not contain whitespace or control characters");
        if (c == u'?' || c == u'#')
            return QStringLiteral("must not contain a query (?) or fragment (#)");
        if (c == u'\\')
            return QStringLiteral("must not contain a backslash");
        if (!glob && c == u'*')
            return QStringLiteral("must not contain * (it is a plain path, not a rule)");
    }
    if (path == QLatin1String("/"))
        return {};
    const QStringList segments = path.mid(1).split(u'/');
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QString &segment = segments.at(i);
        // A trailing slash ("/users/") leaves one empty last segment, which is fine.
        if (segment.isEmpty() && i + 1 < segments.size())
            return QStringLiteral("must not contain an empty segment (//)");
        if (segment == QLatin1String(".") || segment == QLatin1String(".."))
            return QStringLiteral("must not contain . or .. segments");
        if (glob && segment.contains(QLatin1String("**")) && segment != QLatin1String("**"))
            return QStringLiteral("may use ** only as a whole segment (/a/**)");
    }
    return {};
}

bool isLoopbackHost(const QString &host)
{
    return host == QLatin1String("localhost") || host == QLatin1String("127.0.0.1") || host == QLatin1String("::1");
}

} // namespace

QString withoutTrailingSlash(QString url)
{
    while (url.endsWith(u'/') && url.count(u'/') > 2)
        url.chop(1);
    return url;
}

QString baseUrlProblem(const QString &url)
{
    const bool https = url.startsWith(QLatin1String("https://"));
    const bool http = url.startsWith(QLatin1String("http://"));
    if (!https && !http)
        return QStringLiteral("must start with https:// (http:// only for localhost, 127.0.0.1 or ::1)");
    for (const QChar c : url) {
        if (isControl(c) || c.isSpace())
            return QStringLiteral("must not contain whitespace or control characters");
        if (c == u'\\')
            return QStringLiteral("must not contain a backslash");
    }
    const QUrl parsed(url, QUrl::StrictMode);
    if (!parsed.isValid() || parsed.host().isEmpty())
        return QStringLiteral("is not a valid URL with a host (e.g. https://api.example.com/v1)");
    if (!parsed.userInfo().isEmpty() || url.section(u'/', 2, 2).contains(u'@'))
        return QStringLiteral("must not contain a user name or password (the secret goes to the keychain)");
    if (parsed.hasQuery())
        return QStringLiteral("must not contain a query (?)");
    if (parsed.hasFragment())
        return QStringLiteral("must not contain a fragment (#)");
    if (http && !isLoopbackHost(parsed.host()))
        return QStringLiteral("must use https:// (http:// is allowed only for localhost, 127.0.0.1 or ::1)");
    const QString path = parsed.path(QUrl::FullyEncoded);
    if (!path.isEmpty()) {
        const QString problem = pathProblem(path, false);
        if (!problem.isEmpty())
            return QStringLiteral("path ") + problem;
        if (path.contains(QLatin1String("%2f"), Qt::CaseInsensitive) || path.contains(QLatin1String("%2e"), Qt::CaseInsensitive)
            || path.contains(QLatin1String("%5c"), Qt::CaseInsensitive))
            return QStringLiteral("path must not contain an encoded /, \\ or .");
    }
    return {};
}

QString headerNameProblem(const QString &name)
{
    if (name.isEmpty())
        return QStringLiteral("must not be empty");
    if (name.size() > 128)
        return QStringLiteral("is longer than 128 characters");
    for (const QChar c : name) {
        if (!isTokenChar(c))
            return QStringLiteral("is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)");
    }
    return {};
}

QString headerValueProblem(const QString &value)
{
    if (value.size() > 4096)
        return QStringLiteral("is longer than 4096 characters");
    for (const QChar c : value) {
        if (c == u'\r' || c == u'\n')
            return QStringLiteral("must not contain a line break");
        if (c != u'\t' && isControl(c))
            return QStringLiteral("must not contain control characters");
    }
    return {};
}

bool isSecurityHeader(const QString &name)
{
    static const QStringList exact = {
        QStringLiteral("authorization"),     QStringLiteral("cookie"),          QStringLiteral("set-cookie"),
        QStringLiteral("host"),              QStringLiteral("forwarded"),       QStringLiteral("x-real-ip"),
        QStringLiteral("x-http-method-override"), QStringLiteral("x-http-method"), QStringLiteral("x-method-override"),
        QStringLiteral("x-original-url"),    QStringLiteral("x-rewrite-url"),   QStringLiteral("x-original-method"),
        QStringLiteral("connection"),        QStringLiteral("keep-alive"),      QStringLiteral("te"),
        QStringLiteral("trailer"),           QStringLiteral("transfer-encoding"), QStringLiteral("upgrade"),
        QStringLiteral("content-length"),
    };
    const QString lower = name.toLower();
    return exact.contains(lower) || lower.startsWith(QLatin1String("proxy-")) || lower.startsWith(QLatin1String("x-forwarded-"));
}

QString authProblem(const AuthConfig &auth, QString *field)
{
    auto fail = [field](const char *name, const QString &problem) {
        if (field)
            *field = QString::fromLatin1(name);
        return problem;
    };
    const bool header = auth.type == AuthType::Header;
    const bool query = auth.type == AuthType::Query;
    const bool basic = auth.type == AuthType::Basic;

    if (header) {
        if (auth.header.isEmpty())
            return fail("header", QStringLiteral("is required with auth type header (e.g. X-Api-Key)"));
        QString problem = headerNameProblem(auth.header);
        if (!problem.isEmpty())
            return fail("header", problem);
        static const QStringList framing = {
            QStringLiteral("host"),    QStringLiteral("content-length"), QStringLiteral("content-type"),
            QStringLiteral("transfer-encoding"), QStringLiteral("connection"), QStringLiteral("keep-alive"),
            QStringLiteral("te"),      QStringLiteral("trailer"),        QStringLiteral("upgrade"),
            QStringLiteral("user-agent"),
        };
        if (framing.contains(auth.header.toLower()))
            return fail("header", QStringLiteral("cannot carry a credential; name the API's key header (e.g. X-Api-Key)"));
        if (auth.prefix.size() > 256)
            return fail("prefix", QStringLiteral("is longer than 256 characters"));
        problem = headerValueProblem(auth.prefix);
        if (!problem.isEmpty())
            return fail("prefix", problem);
    } else {
        if (!auth.header.isEmpty())
            return fail("header", QStringLiteral("is only used with auth type header"));
        if (!auth.prefix.isEmpty())
            return fail("prefix", QStringLiteral("is only used with auth type header"));
    }

    if (query) {
        static const QRegularExpression param(QStringLiteral("^[A-Za-z0-9._~\\[\\]-]{1,128}$"));
        if (auth.param.isEmpty())
            return fail("param", QStringLiteral("is required with auth type query (e.g. api_key)"));
        if (!param.match(auth.param).hasMatch())
            return fail("param", QStringLiteral("must be 1 to 128 letters, digits or ._~-[] characters"));
    } else if (!auth.param.isEmpty()) {
        return fail("param", QStringLiteral("is only used with auth type query"));
    }

    if (basic) {
        if (auth.username.isEmpty())
            return fail("username", QStringLiteral("is required with auth type basic"));
        if (auth.username.size() > 256)
            return fail("username", QStringLiteral("is longer than 256 characters"));
        if (auth.username.contains(u':'))
            return fail("username", QStringLiteral("must not contain a colon (Basic auth splits at the first one)"));
        for (const QChar c : auth.username) {
            if (isControl(c))
                return fail("username", QStringLiteral("must not contain control characters"));
        }
    } else if (!auth.username.isEmpty()) {
        return fail("username", QStringLiteral("is only used with auth type basic"));
    }
    return {};
}

QString fixedHeaderProblem(const QString &name, const QString &value, const AuthConfig &auth)
{
    QString problem = headerNameProblem(name);
    if (!problem.isEmpty())
        return problem;
    if (isSecurityHeader(name))
        return QStringLiteral("names a security-relevant header that Keyward never lets a service fix");
    if (auth.type == AuthType::Header && name.compare(auth.header, Qt::CaseInsensitive) == 0)
        return QStringLiteral("names the credential's own header");
    if (name.compare(QLatin1String("user-agent"), Qt::CaseInsensitive) == 0)
        return QStringLiteral("names User-Agent, which Keyward sets itself");
    problem = headerValueProblem(value);
    if (!problem.isEmpty())
        return QStringLiteral("value ") + problem;
    return {};
}

QString ruleMethodProblem(const QString &method)
{
    static const QStringList methods = {
        QStringLiteral("GET"),   QStringLiteral("HEAD"),   QStringLiteral("POST"),    QStringLiteral("PUT"),
        QStringLiteral("PATCH"), QStringLiteral("DELETE"), QStringLiteral("OPTIONS"), QStringLiteral("*"),
    };
    if (methods.contains(method))
        return {};
    if (methods.contains(method.toUpper()))
        return QStringLiteral("must be uppercase (%1)").arg(method.toUpper());
    return QStringLiteral("must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or *");
}

QString rulePathProblem(const QString &path) { return pathProblem(path, true); }

QString requestPathProblem(const QString &path) { return pathProblem(path, false); }

Result<Rule> parseRule(RuleAction action, const QString &text)
{
    static const QRegularExpression whitespace(QStringLiteral("\\s+"));
    const QStringList parts = text.trimmed().split(whitespace, Qt::SkipEmptyParts);
    if (parts.size() != 2)
        return Error{QStringLiteral("usage"), QStringLiteral("a rule is METHOD /path/glob, e.g. 'GET /repos/**'")};
    QString problem = ruleMethodProblem(parts.at(0));
    if (!problem.isEmpty())
        return Error{QStringLiteral("usage"), QStringLiteral("the rule's method ") + problem};
    problem = rulePathProblem(parts.at(1));
    if (!problem.isEmpty())
        return Error{QStringLiteral("usage"), QStringLiteral("the rule's path ") + problem};
    return Rule{action, parts.at(0), parts.at(1)};
}

QString scheduleProblem(const QString &entry)
{
    // One parser for schedules: the gate's (policy/schedule.h).
    const Result<policy::ScheduleWindow> window = policy::parseScheduleWindow(entry);
    return window ? QString() : window.error().message;
}

QString descriptionProblem(const QString &text)
{
    if (text.size() > 1024)
        return QStringLiteral("is longer than 1024 characters");
    for (const QChar c : text) {
        if (isControl(c))
            return QStringLiteral("must not contain control characters or line breaks");
    }
    return {};
}

} // namespace keyward::config_check
