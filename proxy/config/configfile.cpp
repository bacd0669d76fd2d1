#include "config/configfile.h"

#include <QString>

namespace keyward {

namespace {

using nlohmann::json;

struct TextPosition {
    int line = 1;
    int column = 1;
};

// nlohmann reports the byte position just past the character that failed (1-based index of the
// last byte read). Lines are counted by '\n'; columns in bytes, starting at 1.
TextPosition positionOf(const QByteArray &text, std::size_t byte)
{
    const qsizetype offset = qBound<qsizetype>(0, qsizetype(byte) - 1, text.size());
    TextPosition position;
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i < offset; ++i) {
        if (text.at(i) == '\n') {
            ++position.line;
            lineStart = i + 1;
        }
    }
    position.column = int(offset - lineStart) + 1;
    return position;
}

// "syntax error while parsing object key - unexpected '}'; expected string literal" out of
// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ...",
// without its "; last read: '...'" part: that would quote the file, and a user may have pasted a
// secret into the wrong place.
QString reasonOf(const json::parse_error &error)
{
    QString reason = QString::fromUtf8(error.what());
    const qsizetype colon = reason.indexOf(QLatin1String(": "));
    if (colon >= 0)
        reason = reason.mid(colon + 2);
    const qsizetype lastRead = reason.indexOf(QLatin1String("; last read: "));
    if (lastRead >= 0) {
        const qsizetype expected = reason.indexOf(QLatin1String("; expected "), lastRead);
        reason = reason.left(lastRead) + (expected >= 0 ? reason.mid(expected) : QString());
    }
    return reason;
}

QString pointerTo(const std::string &key)
{
    return QString::fromStdString((json::json_pointer() / key).to_string());
}

Error invalid(const QString &message) { return {QString::fromLatin1(config_errors::kInvalid), message}; }

} // namespace

QStringList configTopLevelKeys()
{
    return {QStringLiteral("version"), QStringLiteral("services"), QStringLiteral("agents"), QStringLiteral("runRefs"),
            QStringLiteral("settings")};
}

Result<nlohmann::json> parseConfigText(const QByteArray &text)
{
    json document;
    try {
        document = json::parse(text.cbegin(), text.cend());
    } catch (const json::parse_error &error) {
        const TextPosition at = positionOf(text, error.byte);
        return Error{QString::fromLatin1(config_errors::kSyntax),
                     QStringLiteral("line %1, column %2: %3").arg(at.line).arg(at.column).arg(reasonOf(error))};
    } catch (const json::exception &error) {
        return Error{QString::fromLatin1(config_errors::kSyntax), QString::fromUtf8(error.what())};
    }

    if (!document.is_object())
        return invalid(QStringLiteral("the document must be a JSON object ({\"version\": 1, ...}), not %1")
                           .arg(QString::fromLatin1(document.type_name())));

    const auto version = document.find("version");
    if (version == document.end())
        return invalid(QStringLiteral("missing /version (this Keyward reads version %1)").arg(kConfigVersion));
    if (!version->is_number_integer() || version->get<long long>() < 1)
        return invalid(QStringLiteral("/version must be a whole number of at least 1 (this Keyward reads version %1)").arg(kConfigVersion));
    // A newer version may have top-level keys this build does not know: the caller reports the
    // version (loader: "written by a newer Keyward"), not the keys.
    if (version->get<long long>() > kConfigVersion)
        return document;

    const QStringList known = configTopLevelKeys();
    for (const auto &[key, value] : document.items()) {
        if (!known.contains(QString::fromStdString(key))) {
            return invalid(QStringLiteral("unknown key at %1 (allowed at the top level: %2)")
                               .arg(pointerTo(key), known.join(QStringLiteral(", "))));
        }
    }

    return document;
}

} // namespace keyward
