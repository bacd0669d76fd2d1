#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTimeZone>

namespace keyward::policy {

// Policy schedules (DESIGN.md "Policy", config `schedule`): a list of entries, the service is
// open while any entry is open; an empty list is always open.
//
// Entry syntax (the one parser; config_check::scheduleProblem delegates here):
//   [DAYS ]HH:MM-HH:MM
//   DAYS   Mon Tue Wed Thu Fri Sat Sun (exactly so capitalised), ranges with - and lists with ,
//          ("Mon-Fri", "Mon,Wed", "Mon,Wed,Fri-Sun"); a range may wrap the week end ("Fri-Mon"
//          = Fri Sat Sun Mon). No days = every day.
//   HH:MM  24-hour, 00:00..23:59; the end may also be 24:00 (midnight at the end of the day).
//          Start and end differ; 24:00 is not a start.
// A window runs from its start (inclusive) to its end (exclusive) in wall-clock time of the
// zone. When the end is not after the start (22:00-06:00) the window is overnight: it starts on
// each listed day and runs into the following day, so "Fri 22:00-06:00" covers Friday from 22:00
// and Saturday until 06:00, but not Friday 00:00-06:00.
// DST: times are wall-clock times in the zone. A window whose start falls in a spring-forward gap
// opens at the transition; during a fall-back hour, a wall-clock time that occurs twice is
// judged the same way both times.

struct ScheduleWindow {
    quint8 days = 0x7f;   // bit 0 = Monday … bit 6 = Sunday
    int startMinute = 0;  // minutes after midnight, 0..1439
    int endMinute = 1440; // 1..1440, 1440 = 24:00
    QString text;         // the entry as written

    bool overnight() const { return endMinute <= startMinute; }
    bool operator==(const ScheduleWindow &) const = default;
};

struct Schedule {
    QList<ScheduleWindow> windows; // empty = always open

    bool alwaysOpen() const { return windows.isEmpty(); }
    bool operator==(const Schedule &) const = default;
};

// Parses one entry. The error has code invalid_argument; its message reads after the name of
// the field ("must look like 'Mon-Fri 09:00-18:00' …") and never quotes the entry.
Result<ScheduleWindow> parseScheduleWindow(const QString &entry);
// Parses every entry; the first bad one fails the whole schedule and the message names its
// position ("entry 2 must look like …").
Result<Schedule> parseSchedule(const QStringList &entries);

// True when `when` falls in a window, judged in `zone`'s wall-clock time. An invalid `when` is
// closed unless the schedule is always open.
bool isOpen(const Schedule &schedule, const QDateTime &when,
            const QTimeZone &zone = QTimeZone::systemTimeZone());

// The first moment at or after `when` at which the schedule is open (`when` itself when open
// now), expressed in `zone`. Invalid when `when` is invalid.
QDateTime nextOpening(const Schedule &schedule, const QDateTime &when,
                      const QTimeZone &zone = QTimeZone::systemTimeZone());

// "Mon-Fri 09:00-18:00, Sat 10:00-12:00 (Europe/Berlin)"; "any time" when always open.
QString describe(const Schedule &schedule, const QTimeZone &zone = QTimeZone::systemTimeZone());
// `when` in `zone` as "Mon 09:00" (English day names, 24-hour time), for "next opening Mon 09:00".
QString describeMoment(const QDateTime &when, const QTimeZone &zone = QTimeZone::systemTimeZone());

} // namespace keyward::policy
