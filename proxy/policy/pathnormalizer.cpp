#include "policy/pathnormalizer.h"

#include "policy/denial.h"

#include <QByteArray>
#include <QList>

namespace keyward::policy {

namespace {

Error refuse(const char *what, const QString &message)
{
    return denial(QStringLiteral("guard:") + QLatin1String(what), message);
}

bool isAlphaNum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isUnreserved(char c)
{
    return isAlphaNum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Characters sent as they are: unreserved, sub-delims except `;`, `:`, `@` and the separator `/`.
bool isPlainPathChar(char c)
{
    return isUnreserved(c) || c == '/' || c == ':' || c == '@' || c == '!' || c == '$' || c == '&' || c == '\''
        || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == '=';
}

// Printable ASCII that may not appear raw in a URL path but is harmless once percent-encoded.
bool isEncodedPathChar(char c)
{
    return c == ' ' || c == '"' || c == '<' || c == '>' || c == '[' || c == ']' || c == '^' || c == '`' || c == '{'
        || c == '|' || c == '}';
}

bool isControl(uint c)
{
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void appendEscape(QByteArray &out, uchar byte)
{
    static const char kHex[] = "0123456789ABCDEF";
    out += '%';
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
}

QString escapeText(uchar byte)
{
    QByteArray text;
    appendEscape(text, byte);
    return QString::fromLatin1(text);
}

// The text of one code point. (QString::fromUcs4 would drop a U+FEFF, reading it as a byte-order mark.)
QString codePointText(char32_t codePoint)
{
    if (QChar::requiresSurrogates(codePoint)) {
        const QChar pair[2] = {QChar(QChar::highSurrogate(codePoint)), QChar(QChar::lowSurrogate(codePoint))};
        return QString(pair, 2);
    }
    return QString(QChar(char16_t(codePoint)));
}

// Appends the UTF-8 of a scalar value >= 0x80 as percent-escapes.
void appendUtf8Escapes(QByteArray &out, char32_t cp)
{
    if (cp < 0x800) {
        appendEscape(out, uchar(0xc0 | (cp >> 6)));
    } else if (cp < 0x10000) {
        appendEscape(out, uchar(0xe0 | (cp >> 12)));
        appendEscape(out, uchar(0x80 | ((cp >> 6) & 0x3f)));
    } else {
        appendEscape(out, uchar(0xf0 | (cp >> 18)));
        appendEscape(out, uchar(0x80 | ((cp >> 12) & 0x3f)));
        appendEscape(out, uchar(0x80 | ((cp >> 6) & 0x3f)));
    }
    appendEscape(out, uchar(0x80 | (cp & 0x3f)));
}

// Raw text → ASCII bytes, every non-ASCII character percent-encoded as UTF-8.
Result<QByteArray> encodeNonAscii(const QString &raw)
{
    QByteArray out;
    out.reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const QChar c = raw.at(i);
        if (c.unicode() < 0x80) {
            out += char(c.unicode());
            continue;
        }
        char32_t codePoint = c.unicode();
        if (c.isHighSurrogate() && i + 1 < raw.size() && raw.at(i + 1).isLowSurrogate()) {
            codePoint = QChar::surrogateToUcs4(c, raw.at(i + 1));
            ++i;
        } else if (c.isSurrogate()) {
            return refuse("bad-utf8",
                          QStringLiteral("The path contains an unpaired UTF-16 surrogate, which is not text: "
                                         "send the path as valid Unicode."));
        }
        appendUtf8Escapes(out, codePoint);
    }
    return out;
}

// Length of a UTF-8 sequence introduced by `lead`, with the allowed range of its second byte
// (RFC 3629 table: excludes overlong forms, surrogates and code points above U+10FFFF); 0 if
// `lead` cannot start a sequence.
int utf8Length(uchar lead, uchar &secondMin, uchar &secondMax)
{
    secondMin = 0x80;
    secondMax = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf)
        return 2;
    if (lead >= 0xe0 && lead <= 0xef) {
        if (lead == 0xe0)
            secondMin = 0xa0;
        if (lead == 0xed)
            secondMax = 0x9f;
        return 3;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        if (lead == 0xf0)
            secondMin = 0x90;
        if (lead == 0xf4)
            secondMax = 0x8f;
        return 4;
    }
    return 0;
}

Result<void> checkCodePoint(char32_t codePoint)
{
    const QString text = codePointText(codePoint);
    const QString hex = QString::number(uint(codePoint), 16).toUpper().rightJustified(4, u'0');
    if (isControl(codePoint))
        return refuse("control-char",
                      QStringLiteral("The path contains the control character U+%1: remove it.").arg(hex));
    if (QChar::category(codePoint) == QChar::Other_Format)
        return refuse("invisible-char",
                      QStringLiteral("The path contains the invisible character U+%1, which a server may drop or "
                                     "display differently: remove it.")
                          .arg(hex));
    const QString compatible = text.normalized(QString::NormalizationForm_KC);
    for (const QChar c : compatible) {
        if (c.unicode() < 0x80)
            return refuse("confusable-char",
                          QStringLiteral("The path contains U+%1, which a server may read as \"%2\": write the plain "
                                         "ASCII form instead.")
                              .arg(hex, compatible));
    }
    return {};
}

// Reads `%XX` at `i` of `in` (already known to start with '%'); -1 when malformed.
int readEscape(const QByteArray &in, qsizetype i)
{
    if (i + 2 >= in.size())
        return -1;
    const int high = hexValue(in.at(i + 1));
    const int low = hexValue(in.at(i + 2));
    return high < 0 || low < 0 ? -1 : high * 16 + low;
}

Error badEscape(const QByteArray &in, qsizetype i)
{
    return refuse("bad-escape",
                  QStringLiteral("The path has a malformed percent-escape at \"%1\": a `%` must be followed by two "
                                 "hex digits (a literal `%` cannot be sent).")
                      .arg(QString::fromLatin1(in.mid(i, 3))));
}

// Validates one run of escaped bytes >= 0x80 starting at `i` as UTF-8, appends it (uppercase hex)
// and returns the index after it.
Result<qsizetype> takeUtf8Run(const QByteArray &in, qsizetype i, QByteArray &out)
{
    const Error badUtf8 = refuse("bad-utf8",
                                 QStringLiteral("The path has percent-escaped bytes that are not valid UTF-8 (an "
                                                "overlong, truncated or out-of-range sequence): percent-encode "
                                                "the UTF-8 bytes of each character, e.g. %C3%A9."));
    while (i < in.size() && in.at(i) == '%') {
        const int lead = readEscape(in, i);
        if (lead < 0)
            return badEscape(in, i);
        if (lead < 0x80)
            break;
        uchar secondMin = 0, secondMax = 0;
        const int length = utf8Length(uchar(lead), secondMin, secondMax);
        if (length == 0)
            return badUtf8;
        char32_t codePoint = uchar(lead) & (length == 2 ? 0x1f : length == 3 ? 0x0f : 0x07);
        QByteArray bytes;
        appendEscape(bytes, uchar(lead));
        qsizetype at = i + 3;
        for (int k = 1; k < length; ++k, at += 3) {
            if (at >= in.size() || in.at(at) != '%')
                return badUtf8;
            const int next = readEscape(in, at);
            if (next < 0)
                return badEscape(in, at);
            const uchar min = k == 1 ? secondMin : 0x80;
            const uchar max = k == 1 ? secondMax : 0xbf;
            if (next < min || next > max)
                return badUtf8;
            codePoint = (codePoint << 6) | (uchar(next) & 0x3f);
            appendEscape(bytes, uchar(next));
        }
        if (const Result<void> checked = checkCodePoint(codePoint); !checked)
            return checked.error();
        out += bytes;
        i = at;
    }
    return i;
}

Result<QByteArray> canonicalChars(const QByteArray &in)
{
    QByteArray out;
    out.reserve(in.size());
    qsizetype i = 0;
    while (i < in.size()) {
        const char c = in.at(i);
        if (c == '%') {
            const int value = readEscape(in, i);
            if (value < 0)
                return badEscape(in, i);
            if (value >= 0x80) {
                const Result<qsizetype> next = takeUtf8Run(in, i, out);
                if (!next)
                    return next.error();
                i = *next;
                continue;
            }
            const char decoded = char(value);
            const QString escape = escapeText(uchar(value));
            if (isControl(uchar(value)))
                return refuse("control-char",
                              QStringLiteral("The path contains %1, an encoded control character: remove it.")
                                  .arg(escape));
            if (decoded == '/')
                return refuse("encoded-slash",
                              QStringLiteral("The path contains %2F, an encoded `/` that servers split differently: "
                                             "write `/` or choose another path."));
            if (decoded == '\\')
                return refuse("encoded-backslash",
                              QStringLiteral("The path contains %5C, an encoded backslash that some servers read as "
                                             "`/`: remove it."));
            if (decoded == '.')
                return refuse("encoded-dot",
                              QStringLiteral("The path contains %2E, an encoded `.` that can hide a `..` segment: "
                                             "write `.` unencoded."));
            if (decoded == '%')
                return refuse("encoded-percent",
                              QStringLiteral("The path contains %25, an encoded `%` that can hide a double encoding "
                                             "such as %252F: paths with a literal `%` cannot be called."));
            if (decoded == ';')
                return refuse("path-parameter",
                              QStringLiteral("The path contains %3B, an encoded `;` that servers may read as a path "
                                             "parameter: remove it."));
            if (isUnreserved(decoded))
                out += decoded;
            else
                out += escape.toLatin1();
            i += 3;
            continue;
        }
        if (c == '?')
            return refuse("query-in-path",
                          QStringLiteral("The path contains `?`: put query parameters in `query`, not in `path`."));
        if (c == '#')
            return refuse("fragment-in-path",
                          QStringLiteral("The path contains `#`: a fragment is never sent to a server; remove it."));
        if (c == '\\')
            return refuse("backslash", QStringLiteral("The path contains a backslash, which some servers read as `/`: "
                                                      "use `/` to separate segments."));
        if (c == ';')
            return refuse("path-parameter",
                          QStringLiteral("The path contains `;`, which servers may read as a path parameter that "
                                         "hides part of the path: remove it."));
        if (isControl(uchar(c)))
            return refuse("control-char",
                          QStringLiteral("The path contains the control character %1 (CR, LF, TAB, NUL or similar): "
                                         "remove it.")
                              .arg(escapeText(uchar(c))));
        if (isPlainPathChar(c))
            out += c;
        else if (isEncodedPathChar(c))
            appendEscape(out, uchar(c));
        else
            return badEscape(in, i); // unreachable: every ASCII character is handled above
        ++i;
    }
    return out;
}

// RFC 3986 5.2.4 on a path of canonical characters, `//` collapsed; refuses a climb above `/`.
Result<QByteArray> removeDotSegments(const QByteArray &path)
{
    const QList<QByteArray> parts = path.split('/'); // parts[0] is the empty text before the leading `/`
    QList<QByteArray> kept;
    bool trailingSlash = false;
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QByteArray &segment = parts.at(i);
        const bool last = i == parts.size() - 1;
        if (segment.isEmpty() || segment == ".") {
            trailingSlash = last;
            continue;
        }
        if (segment == "..") {
            if (kept.isEmpty())
                return refuse("dot-segment",
                              QStringLiteral("The path climbs above the service's base path with `..`: write the "
                                             "path without `..`; only paths under the base URL can be called."));
            kept.removeLast();
            trailingSlash = last;
            continue;
        }
        kept.append(segment);
        trailingSlash = false;
    }
    QByteArray out = "/" + kept.join('/');
    if (trailingSlash && !kept.isEmpty())
        out += '/';
    return out;
}

bool startsWithScheme(const QString &raw)
{
    // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
    if (raw.isEmpty() || !(raw.at(0).isLetter() && raw.at(0).unicode() < 0x80))
        return false;
    for (const QChar c : raw) {
        if (c == u':')
            return true;
        const bool schemeChar = c.unicode() < 0x80 && (c.isLetterOrNumber() || c == u'+' || c == u'-' || c == u'.');
        if (!schemeChar)
            return false;
    }
    return false;
}

Error tooLong(qsizetype bytes, const char *when)
{
    return refuse("path-length",
                  QStringLiteral("The path is %1 bytes %2, more than the %3 allowed: call a shorter path.")
                      .arg(bytes)
                      .arg(QLatin1String(when))
                      .arg(kMaxPathBytes));
}

bool hasDotSegment(const QString &path)
{
    const QStringList segments = path.split(u'/');
    return segments.contains(QStringLiteral(".")) || segments.contains(QStringLiteral(".."));
}

} // namespace

Result<QString> normalizePath(const QString &raw)
{
    if (const qsizetype bytes = raw.toUtf8().size(); bytes > kMaxPathBytes)
        return tooLong(bytes, "long");
    if (!raw.startsWith(u'/')) {
        if (startsWithScheme(raw))
            return refuse("absolute-url",
                          QStringLiteral("The path is an absolute URL: give only the path under the service's base "
                                         "URL, starting with `/` (e.g. /users)."));
        return refuse("relative-path", QStringLiteral("The path must start with `/` and is relative to the service's "
                                                      "base URL (e.g. /users; `/` for the base itself)."));
    }
    if (raw.startsWith(u"//"))
        return refuse("scheme-relative",
                      QStringLiteral("The path starts with `//`, which names another host: start it with a single "
                                     "`/`."));

    const Result<QByteArray> ascii = encodeNonAscii(raw);
    if (!ascii)
        return ascii.error();
    const Result<QByteArray> canonical = canonicalChars(*ascii);
    if (!canonical)
        return canonical.error();
    const Result<QByteArray> normalized = removeDotSegments(*canonical);
    if (!normalized)
        return normalized.error();
    if (normalized->size() > kMaxPathBytes)
        return tooLong(normalized->size(), "long once percent-encoded");
    return QString::fromLatin1(*normalized);
}

Result<QUrl> joinUnderBase(const QUrl &baseUrl, const QString &normalizedPath)
{
    const QString scheme = baseUrl.scheme();
    const QString basePath = baseUrl.path(QUrl::FullyEncoded);
    if (!baseUrl.isValid() || (scheme != u"https" && scheme != u"http") || baseUrl.host().isEmpty()
        || !baseUrl.userInfo().isEmpty() || baseUrl.hasQuery() || baseUrl.hasFragment()
        || (!basePath.isEmpty() && !basePath.startsWith(u'/')) || hasDotSegment(basePath)) {
        return Error{QStringLiteral("invalid_argument"),
                     QStringLiteral("The service's base URL \"%1\" is not http(s)://host[:port][/prefix] without user, "
                                    "query, fragment or dot segments: fix the service's baseUrl.")
                         .arg(baseUrl.toDisplayString())};
    }

    const Result<QString> renormalized = normalizePath(normalizedPath);
    if (!renormalized || *renormalized != normalizedPath)
        return refuse("not-normalized",
                      QStringLiteral("Internal error: the path was not normalized before it was joined to the base "
                                     "URL; the call was refused."));

    QString prefix = basePath;
    while (prefix.endsWith(u'/'))
        prefix.chop(1);
    const QString expectedPath = prefix + normalizedPath;

    const QByteArray origin = baseUrl.toEncoded(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment
                                                | QUrl::RemoveUserInfo);
    const QUrl url = QUrl::fromEncoded(origin + expectedPath.toLatin1(), QUrl::StrictMode);

    const QString path = url.path(QUrl::FullyEncoded);
    const bool underBase = url.isValid() && url.scheme() == scheme && url.host() == baseUrl.host()
        && url.port() == baseUrl.port() && url.userInfo().isEmpty() && !url.hasQuery() && !url.hasFragment()
        && path == expectedPath && path.startsWith(prefix + u'/') && !hasDotSegment(path);
    if (!underBase)
        return refuse("outside-base",
                      QStringLiteral("The path would leave the service's base URL %1: call a path under it.")
                          .arg(baseUrl.toDisplayString()));
    return url;
}

} // namespace keyward::policy
