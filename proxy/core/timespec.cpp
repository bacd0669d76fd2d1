#include "core/timespec.h"

#include <QRegularExpression>
#include <QTimeZone>

namespace keyward {

namespace {

Error badTime(const QString &text)
{
    return Error{QStringLiteral("usage"),
                 QStringLiteral("'%1' is not a time: use RFC 3339 (2026-11-26T07:01:02Z, 2026-11-26) or a relative "
                                "age such as 15m, 2h, 7d")
                     .arg(text)};
}

} // namespace

Result<QDateTime> parseTimeSpec(const QString &input, const QDateTime &now)
{
    const QString text = input.trimmed();

    static const QRegularExpression relative(QStringLiteral("^([0-9]{1,9})([smhdw])$"));
    if (const auto match = relative.match(text); match.hasMatch()) {
        const qint64 count = match.captured(1).toLongLong();
        const QChar unit = match.captured(2).at(0);
        qint64 seconds = 1;
        if (unit == u'm')
            seconds = 60;
        else if (unit == u'h')
            seconds = 3600;
        else if (unit == u'd')
            seconds = 86400;
        else if (unit == u'w')
            seconds = 7 * 86400;
        const QDateTime result = now.toUTC().addSecs(-count * seconds);
        if (!result.isValid())
            return badTime(input);
        return result;
    }

    static const QRegularExpression dateOnly(QStringLiteral("^([0-9]{4})-([0-9]{2})-([0-9]{2})$"));
    if (const auto match = dateOnly.match(text); match.hasMatch()) {
        const QDate date(match.captured(1).toInt(), match.captured(2).toInt(), match.captured(3).toInt());
        if (!date.isValid())
            return badTime(input);
        return QDateTime(date, QTime(0, 0), Qt::UTC);
    }

    static const QRegularExpression dateTime(QStringLiteral(
        "^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$"));
    const auto match = dateTime.match(text);
    if (!match.hasMatch())
        return badTime(input);
    const QDate date(match.captured(1).toInt(), match.captured(2).toInt(), match.captured(3).toInt());
    const int ms = match.captured(7).isEmpty() ? 0 : match.captured(7).left(3).leftJustified(3, u'0').toInt();
    const QTime time(match.captured(4).toInt(), match.captured(5).toInt(), match.captured(6).toInt(), ms);
    if (!date.isValid() || !time.isValid())
        return badTime(input);
    int offsetSeconds = 0;
    if (match.captured(8).isEmpty()) {
        const int hours = match.captured(10).toInt();
        const int minutes = match.captured(11).toInt();
        if (hours > 23 || minutes > 59)
            return badTime(input);
        offsetSeconds = (hours * 60 + minutes) * 60 * (match.captured(9) == QLatin1String("-") ? -1 : 1);
    }
    const QDateTime result = QDateTime(date, time, QTimeZone(offsetSeconds)).toUTC();
    if (!result.isValid())
        return badTime(input);
    return result;
}

QString formatRfc3339Ms(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return time.toUTC().toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss.zzz'Z'"));
}

} // namespace keyward
