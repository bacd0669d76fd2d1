#include "config/units.h"

#include <QRegularExpression>

#include <limits>

namespace keyward {

namespace {

Error usage(const QString &text) { return Error{QStringLiteral("usage"), text}; }

// Multiplies without overflow; nullopt when the product does not fit.
std::optional<qint64> scaled(const QString &digits, qint64 factor)
{
    bool ok = false;
    const qint64 number = digits.toLongLong(&ok);
    if (!ok || number > std::numeric_limits<qint64>::max() / factor)
        return std::nullopt;
    return number * factor;
}

} // namespace

Result<qint64> parseDurationMs(const QString &text)
{
    static const QRegularExpression pattern(QStringLiteral("^([0-9]{1,12})(ms|s|m|min|h)$"));
    const auto match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return usage(QStringLiteral("expects a whole number with a unit: ms, s, m or h (e.g. 30s, 1500ms, 2m)"));
    const QString unit = match.captured(2);
    const qint64 factor = unit == QLatin1String("ms") ? 1
        : unit == QLatin1String("s")                  ? 1000
        : unit == QLatin1String("h")                  ? 3600 * 1000
                                                      : 60 * 1000;
    const auto ms = scaled(match.captured(1), factor);
    if (!ms)
        return usage(QStringLiteral("is too large"));
    return *ms;
}

Result<qint64> parseByteSize(const QString &text)
{
    static const QRegularExpression pattern(QStringLiteral("^([0-9]{1,15})(b|kib|mib|gib)?$"),
                                            QRegularExpression::CaseInsensitiveOption);
    const auto match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return usage(QStringLiteral("expects a number of bytes, or a whole number with KiB, MiB or GiB (e.g. 512KiB, 10MiB)"));
    const QString unit = match.captured(2).toLower();
    const qint64 factor = unit == QLatin1String("kib") ? 1024
        : unit == QLatin1String("mib")                 ? 1024 * 1024
        : unit == QLatin1String("gib")                 ? qint64(1024) * 1024 * 1024
                                                       : 1;
    const auto bytes = scaled(match.captured(1), factor);
    if (!bytes)
        return usage(QStringLiteral("is too large"));
    return *bytes;
}

QString formatDurationMs(qint64 ms)
{
    if (ms != 0 && ms % (3600 * 1000) == 0)
        return QString::number(ms / (3600 * 1000)) + QStringLiteral("h");
    if (ms != 0 && ms % (60 * 1000) == 0)
        return QString::number(ms / (60 * 1000)) + QStringLiteral("m");
    if (ms % 1000 == 0)
        return QString::number(ms / 1000) + QStringLiteral("s");
    return QString::number(ms) + QStringLiteral("ms");
}

QString formatByteSize(qint64 bytes)
{
    const qint64 gib = qint64(1024) * 1024 * 1024;
    if (bytes != 0 && bytes % gib == 0)
        return QString::number(bytes / gib) + QStringLiteral("GiB");
    if (bytes != 0 && bytes % (1024 * 1024) == 0)
        return QString::number(bytes / (1024 * 1024)) + QStringLiteral("MiB");
    if (bytes != 0 && bytes % 1024 == 0)
        return QString::number(bytes / 1024) + QStringLiteral("KiB");
    return QString::number(bytes) + QStringLiteral("B");
}

QString ratePerName(RatePer per)
{
    switch (per) {
    case RatePer::Second: return QStringLiteral("s");
    case RatePer::Minute: return QStringLiteral("min");
    case RatePer::Hour: return QStringLiteral("h");
    case RatePer::Day: return QStringLiteral("day");
    }
    return QStringLiteral("min");
}

std::optional<RatePer> ratePerFromName(QStringView name)
{
    for (const RatePer per : {RatePer::Second, RatePer::Minute, RatePer::Hour, RatePer::Day}) {
        if (name == ratePerName(per))
            return per;
    }
    return std::nullopt;
}

} // namespace keyward
