#include "policy/schedule.h"

#include <QRegularExpression>

#include <array>
#include <optional>

namespace keyward::policy {

namespace {

constexpr std::array<QLatin1String, 7> kDayNames = {
    QLatin1String("Mon"), QLatin1String("Tue"), QLatin1String("Wed"), QLatin1String("Thu"),
    QLatin1String("Fri"), QLatin1String("Sat"), QLatin1String("Sun"),
};

Error scheduleError(const QString &message) { return Error{QStringLiteral("invalid_argument"), message}; }

int dayIndex(QStringView name)
{
    for (int i = 0; i < 7; ++i) {
        if (name == kDayNames[i])
            return i;
    }
    return -1;
}

// "HH:MM" (already shape-checked) → minutes after midnight.
int minutesOf(QStringView text) { return text.left(2).toInt() * 60 + text.mid(3, 2).toInt(); }

bool hasDay(quint8 days, int index) { return (days >> index) & 1; }

// Monday = 0 … Sunday = 6.
int weekdayOf(QDate date) { return date.dayOfWeek() - 1; }

bool windowOpen(const ScheduleWindow &window, QDate date, int minute)
{
    const int today = weekdayOf(date);
    if (!window.overnight())
        return hasDay(window.days, today) && minute >= window.startMinute && minute < window.endMinute;
    const int yesterday = (today + 6) % 7;
    return (hasDay(window.days, today) && minute >= window.startMinute)
        || (hasDay(window.days, yesterday) && minute < window.endMinute);
}

// The instant(s) at which wall-clock `time` on `date` happens in `zone`: none or one in a
// spring-forward gap (then the transition, when the clock jumps past `time`), two in a
// fall-back hour. Returns the first that is not before `notBefore`.
std::optional<QDateTime> startAt(QDate date, QTime time, const QTimeZone &zone, const QDateTime &notBefore)
{
    const auto sameWallClock = [&](const QDateTime &instant) {
        const QDateTime local = instant.toTimeZone(zone);
        return local.date() == date && local.time() == time;
    };
    QDateTime start(date, time, zone);
    if (!start.isValid() || !sameWallClock(start)) {
        // In a gap: the window effectively opens when the clock jumps.
        const QTimeZone::OffsetData transition = zone.nextTransition(QDateTime(date.addDays(-1), QTime(12, 0), zone));
        if (!transition.atUtc.isValid())
            return std::nullopt;
        start = transition.atUtc;
    }
    // A fall-back hour repeats wall-clock times, and QDateTime picks one of the two: look at
    // both and keep the first that is not before `notBefore`.
    std::optional<QDateTime> best;
    for (const int seconds : {-7200, -3600, -1800, 0, 1800, 3600, 7200}) {
        const QDateTime candidate = start.addSecs(seconds);
        if (candidate >= notBefore && (seconds == 0 || sameWallClock(candidate)) && (!best || candidate < *best))
            best = candidate;
    }
    return best;
}

} // namespace

Result<ScheduleWindow> parseScheduleWindow(const QString &entry)
{
    static const QString day = QStringLiteral("(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)");
    static const QString days = QStringLiteral("%1(?:-%1)?(?:,%1(?:-%1)?)*").arg(day);
    static const QString time = QStringLiteral("(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)");
    static const QRegularExpression pattern(QStringLiteral("^(?:(%1) )?(%2)-(%2)$").arg(days, time));
    const QRegularExpressionMatch match = pattern.match(entry);
    if (!match.hasMatch())
        return scheduleError(QStringLiteral("must look like 'Mon-Fri 09:00-18:00' (days optional, 24-hour times)"));

    ScheduleWindow window;
    window.text = entry;
    window.startMinute = minutesOf(match.capturedView(2));
    window.endMinute = minutesOf(match.capturedView(3));
    if (window.startMinute == 24 * 60)
        return scheduleError(QStringLiteral("must not start at 24:00 (write 00:00)"));
    if (window.startMinute == window.endMinute)
        return scheduleError(QStringLiteral("must end at a different time than it starts (00:00-24:00 is the whole day)"));

    const QStringView dayText = match.capturedView(1);
    if (!dayText.isEmpty()) {
        window.days = 0;
        for (const QStringView item : dayText.split(u',')) {
            const qsizetype dash = item.indexOf(u'-');
            const int first = dayIndex(dash < 0 ? item : item.left(dash));
            const int last = dash < 0 ? first : dayIndex(item.mid(dash + 1));
            // A range wraps the week end when its last day comes before its first (Fri-Mon).
            for (int i = first;; i = (i + 1) % 7) {
                window.days |= quint8(1u << i);
                if (i == last)
                    break;
            }
        }
    }
    return window;
}

Result<Schedule> parseSchedule(const QStringList &entries)
{
    Schedule schedule;
    for (qsizetype i = 0; i < entries.size(); ++i) {
        Result<ScheduleWindow> window = parseScheduleWindow(entries.at(i));
        if (!window)
            return scheduleError(QStringLiteral("entry %1 %2").arg(i + 1).arg(window.error().message));
        schedule.windows.append(std::move(window).value());
    }
    return schedule;
}

bool isOpen(const Schedule &schedule, const QDateTime &when, const QTimeZone &zone)
{
    if (schedule.alwaysOpen())
        return true;
    if (!when.isValid())
        return false;
    const QDateTime local = when.toTimeZone(zone);
    const int minute = local.time().hour() * 60 + local.time().minute();
    for (const ScheduleWindow &window : schedule.windows) {
        if (windowOpen(window, local.date(), minute))
            return true;
    }
    return false;
}

QDateTime nextOpening(const Schedule &schedule, const QDateTime &when, const QTimeZone &zone)
{
    if (!when.isValid())
        return {};
    if (isOpen(schedule, when, zone))
        return when.toTimeZone(zone);
    // Closed now, so the schedule opens next at the start of some window: within the coming
    // week, counting from yesterday's starts (a fall-back hour can repeat one).
    const QDate today = when.toTimeZone(zone).date();
    std::optional<QDateTime> best;
    for (int offset = -1; offset <= 8; ++offset) {
        const QDate date = today.addDays(offset);
        for (const ScheduleWindow &window : schedule.windows) {
            if (!hasDay(window.days, weekdayOf(date)))
                continue;
            const QTime time(window.startMinute / 60, window.startMinute % 60);
            const std::optional<QDateTime> start = startAt(date, time, zone, when);
            if (start && (!best || *start < *best))
                best = start;
        }
    }
    return best ? best->toTimeZone(zone) : QDateTime();
}

QString describe(const Schedule &schedule, const QTimeZone &zone)
{
    if (schedule.alwaysOpen())
        return QStringLiteral("any time");
    QStringList parts;
    for (const ScheduleWindow &window : schedule.windows)
        parts.append(window.text);
    return QStringLiteral("%1 (%2)").arg(parts.join(QLatin1String(", ")), QString::fromUtf8(zone.id()));
}

QString describeMoment(const QDateTime &when, const QTimeZone &zone)
{
    if (!when.isValid())
        return {};
    const QDateTime local = when.toTimeZone(zone);
    return QStringLiteral("%1 %2").arg(kDayNames[weekdayOf(local.date())], local.time().toString(QStringLiteral("HH:mm")));
}

} // namespace keyward::policy
