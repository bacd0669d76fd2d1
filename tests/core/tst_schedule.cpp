// Policy schedules: the entry syntax (shared with config validation), open/closed judgement in a
// fixed time zone (overnight windows, day boundaries, DST days, several windows), the next
// opening and the texts of the denial message.

#include "config/validation.h"
#include "policy/schedule.h"

#include <QtTest>

using keyward::config_check::scheduleProblem;
using keyward::policy::describe;
using keyward::policy::describeMoment;
using keyward::policy::isOpen;
using keyward::policy::nextOpening;
using keyward::policy::parseSchedule;
using keyward::policy::parseScheduleWindow;
using keyward::policy::Schedule;

namespace {

// "Mon-Fri 09:00-18:00; Sat 10:00-12:00" → a parsed schedule ("" = always open).
Schedule scheduleOf(const QString &spec)
{
    QStringList entries;
    for (const QString &entry : spec.split(u';', Qt::SkipEmptyParts))
        entries.append(entry.trimmed());
    const auto schedule = parseSchedule(entries);
    if (!schedule)
        qFatal("bad schedule in test: %s", qPrintable(schedule.error().message));
    return *schedule;
}

// An ISO 8601 instant with its offset, e.g. 2026-11-27T09:00:00+01:00.
QDateTime at(const QString &iso)
{
    const QDateTime when = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!when.isValid())
        qFatal("bad instant in test: %s", qPrintable(iso));
    return when;
}

} // namespace

class TestSchedule : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void entriesParseIntoDaysAndMinutes_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<int>("days");
        QTest::addColumn<int>("start");
        QTest::addColumn<int>("end");
        QTest::addColumn<bool>("overnight");
        QTest::newRow("weekdays") << "Mon-Fri 09:00-18:00" << 0x1f << 540 << 1080 << false;
        QTest::newRow("one day") << "Sat 10:00-12:00" << 0x20 << 600 << 720 << false;
        QTest::newRow("no days is every day, overnight") << "22:00-06:00" << 0x7f << 1320 << 360 << true;
        QTest::newRow("list to midnight") << "Mon,Wed 08:00-24:00" << 0x05 << 480 << 1440 << false;
        QTest::newRow("range wraps the week end") << "Fri-Mon 10:00-11:00" << 0x71 << 600 << 660 << false;
        QTest::newRow("list with range, whole day") << "Mon,Wed,Fri-Sun 00:00-24:00" << 0x75 << 0 << 1440 << false;
        QTest::newRow("to midnight as 00:00 is overnight") << "Sun 22:00-00:00" << 0x40 << 1320 << 0 << true;
    }
    void entriesParseIntoDaysAndMinutes()
    {
        QFETCH(QString, entry);
        QFETCH(int, days);
        QFETCH(int, start);
        QFETCH(int, end);
        QFETCH(bool, overnight);
        const auto window = parseScheduleWindow(entry);
        QVERIFY2(window.ok(), qPrintable(window ? QString() : window.error().message));
        QCOMPARE(int(window->days), days);
        QCOMPARE(window->startMinute, start);
        QCOMPARE(window->endMinute, end);
        QCOMPARE(window->overnight(), overnight);
        QCOMPARE(window->text, entry);
        QVERIFY(scheduleProblem(entry).isEmpty());
    }

    void malformedEntriesAreRefusedByTheSharedParser_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<QString>("problem");
        const QString shape = QStringLiteral("must look like");
        QTest::newRow("lowercase day") << "mon 09:00-18:00" << shape;
        QTest::newRow("hour 25") << "Mon 09:00-25:00" << shape;
        QTest::newRow("no minutes") << "Mon 9-17" << shape;
        QTest::newRow("empty") << "" << shape;
        QTest::newRow("two spaces") << "Mon  09:00-18:00" << shape;
        QTest::newRow("no space") << "Mon-Fri09:00-18:00" << shape;
        QTest::newRow("trailing comma") << "Mon, 09:00-18:00" << shape;
        QTest::newRow("seconds") << "09:00:00-18:00" << shape;
        QTest::newRow("24:00 as start") << "24:00-06:00" << "must not start at 24:00";
        QTest::newRow("empty window") << "Mon 09:00-09:00" << "must end at a different time";
    }
    void malformedEntriesAreRefusedByTheSharedParser()
    {
        QFETCH(QString, entry);
        QFETCH(QString, problem);
        const auto window = parseScheduleWindow(entry);
        QVERIFY(!window.ok());
        QCOMPARE(window.error().code, QStringLiteral("invalid_argument"));
        QVERIFY2(window.error().message.startsWith(problem), qPrintable(window.error().message));
        QCOMPARE(scheduleProblem(entry), window.error().message);
    }

    void aBadEntryFailsTheScheduleNamingItsPosition()
    {
        const auto schedule = parseSchedule({QStringLiteral("Mon-Fri 09:00-18:00"), QStringLiteral("Sat 10-12")});
        QVERIFY(!schedule.ok());
        QVERIFY2(schedule.error().message.startsWith(QLatin1String("entry 2 must look like")),
                 qPrintable(schedule.error().message));
        QVERIFY(parseSchedule({})->alwaysOpen());
    }

    void openOnlyInsideAWindow_data()
    {
        QTest::addColumn<QString>("zone");
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("when");
        QTest::addColumn<bool>("open");
        const QString berlin = QStringLiteral("Europe/Berlin");
        const QString newYork = QStringLiteral("America/New_York");
        const QString weekdays = QStringLiteral("Mon-Fri 09:00-18:00");
        // 2026-11-27 is a Friday; Berlin is UTC+1 in winter, UTC+2 in summer.
        QTest::newRow("always open without entries") << berlin << "" << "2026-11-28T03:00:00+01:00" << true;
        QTest::newRow("inside on a weekday") << berlin << weekdays << "2026-11-27T12:00:00+01:00" << true;
        QTest::newRow("start is inclusive") << berlin << weekdays << "2026-11-27T09:00:00+01:00" << true;
        QTest::newRow("a second before the start") << berlin << weekdays << "2026-11-27T08:59:59+01:00" << false;
        QTest::newRow("last second before the end") << berlin << weekdays << "2026-11-27T17:59:59+01:00" << true;
        QTest::newRow("end is exclusive") << berlin << weekdays << "2026-11-27T18:00:00+01:00" << false;
        QTest::newRow("Saturday is not a weekday") << berlin << weekdays << "2026-11-28T12:00:00+01:00" << false;
        QTest::newRow("several windows: the Saturday one")
            << berlin << "Mon-Fri 09:00-18:00; Sat 10:00-12:00" << "2026-11-28T11:00:00+01:00" << true;
        QTest::newRow("several windows: after the Saturday one")
            << berlin << "Mon-Fri 09:00-18:00; Sat 10:00-12:00" << "2026-11-28T12:00:00+01:00" << false;
        QTest::newRow("overnight: evening part") << berlin << "22:00-06:00" << "2026-11-25T23:00:00+01:00" << true;
        QTest::newRow("overnight: after midnight") << berlin << "22:00-06:00" << "2026-11-26T05:59:59+01:00" << true;
        QTest::newRow("overnight: end is exclusive") << berlin << "22:00-06:00" << "2026-11-26T06:00:00+01:00" << false;
        QTest::newRow("overnight: before the start") << berlin << "22:00-06:00" << "2026-11-26T21:59:00+01:00" << false;
        QTest::newRow("Fri overnight covers Friday night") << berlin << "Fri 22:00-06:00" << "2026-11-27T23:30:00+01:00" << true;
        QTest::newRow("Fri overnight covers Saturday until 06:00")
            << berlin << "Fri 22:00-06:00" << "2026-11-28T05:00:00+01:00" << true;
        QTest::newRow("Fri overnight does not cover Saturday night")
            << berlin << "Fri 22:00-06:00" << "2026-11-28T23:00:00+01:00" << false;
        QTest::newRow("Fri overnight does not cover early Friday")
            << berlin << "Fri 22:00-06:00" << "2026-11-27T05:00:00+01:00" << false;
        QTest::newRow("Sun overnight reaches into Monday")
            << berlin << "Sun 23:00-01:00" << "2026-11-30T00:30:00+01:00" << true;
        QTest::newRow("until 24:00: last minute") << berlin << "Mon,Wed 08:00-24:00" << "2026-11-25T23:59:59+01:00" << true;
        QTest::newRow("until 24:00: not the next day") << berlin << "Mon,Wed 08:00-24:00" << "2026-11-26T00:00:00+01:00" << false;
        QTest::newRow("day list skips Tuesday") << berlin << "Mon,Wed 08:00-24:00" << "2026-11-24T12:00:00+01:00" << false;
        QTest::newRow("whole Sunday from midnight") << berlin << "Sun 00:00-24:00" << "2026-11-29T00:00:00+01:00" << true;
        QTest::newRow("whole Sunday ends at midnight") << berlin << "Sun 00:00-24:00" << "2026-11-30T00:00:00+01:00" << false;
        QTest::newRow("wrapping range covers Sunday") << berlin << "Fri-Mon 10:00-11:00" << "2026-11-29T10:30:00+01:00" << true;
        QTest::newRow("wrapping range skips Tuesday") << berlin << "Fri-Mon 10:00-11:00" << "2026-11-24T10:30:00+01:00" << false;
        QTest::newRow("UTC instant judged in Berlin") << berlin << weekdays << "2026-11-27T08:30:00Z" << true;
        QTest::newRow("same instant judged in New York") << newYork << weekdays << "2026-11-27T08:30:00Z" << false;
        QTest::newRow("New York opening in UTC") << newYork << weekdays << "2026-11-27T14:00:00Z" << true;
        QTest::newRow("day boundary differs by zone") << newYork << "Fri 20:00-24:00" << "2026-11-28T02:00:00Z" << true;
        QTest::newRow("summer time: 09:00 CEST is 07:00 UTC") << berlin << weekdays << "2026-07-01T07:00:00Z" << true;
        QTest::newRow("summer time: 08:30 CEST is closed") << berlin << weekdays << "2026-07-01T06:30:00Z" << false;
        // 2026-03-29: Berlin clocks jump 02:00 CET → 03:00 CEST.
        QTest::newRow("spring day: 01:30 CET") << berlin << "Sun 01:00-04:00" << "2026-03-29T00:30:00Z" << true;
        QTest::newRow("spring day: 03:30 CEST") << berlin << "Sun 01:00-04:00" << "2026-03-29T01:30:00Z" << true;
        QTest::newRow("spring day: 04:00 CEST closes") << berlin << "Sun 01:00-04:00" << "2026-03-29T02:00:00Z" << false;
        // 2026-10-25: Berlin clocks fall back 03:00 CEST → 02:00 CET, so 02:xx happens twice.
        QTest::newRow("fall day: 02:45 CEST") << berlin << "Sun 02:30-03:00" << "2026-10-25T00:45:00Z" << true;
        QTest::newRow("fall day: 02:15 CET") << berlin << "Sun 02:30-03:00" << "2026-10-25T01:15:00Z" << false;
        QTest::newRow("fall day: 02:45 CET again") << berlin << "Sun 02:30-03:00" << "2026-10-25T01:45:00Z" << true;
        // 2026-03-08: New York clocks jump 02:00 EST → 03:00 EDT.
        QTest::newRow("NY spring night: 05:30 EDT inside") << newYork << "Sat 22:00-06:00" << "2026-03-08T09:30:00Z" << true;
        QTest::newRow("NY spring night: 06:30 EDT outside") << newYork << "Sat 22:00-06:00" << "2026-03-08T10:30:00Z" << false;
        // 2026-11-01: New York clocks fall back 02:00 EDT → 01:00 EST.
        QTest::newRow("NY fall day: 01:30 EDT") << newYork << "Sun 01:00-02:00" << "2026-11-01T05:30:00Z" << true;
        QTest::newRow("NY fall day: 01:30 EST") << newYork << "Sun 01:00-02:00" << "2026-11-01T06:30:00Z" << true;
        QTest::newRow("NY fall day: 02:00 EST") << newYork << "Sun 01:00-02:00" << "2026-11-01T07:00:00Z" << false;
    }
    void openOnlyInsideAWindow()
    {
        QFETCH(QString, zone);
        QFETCH(QString, schedule);
        QFETCH(QString, when);
        QFETCH(bool, open);
        const QTimeZone tz(zone.toUtf8());
        QVERIFY(tz.isValid());
        QCOMPARE(isOpen(scheduleOf(schedule), at(when), tz), open);
    }

    void invalidInstantIsClosedUnlessAlwaysOpen()
    {
        const QTimeZone berlin("Europe/Berlin");
        QVERIFY(!isOpen(scheduleOf(QStringLiteral("00:00-24:00")), QDateTime(), berlin));
        QVERIFY(isOpen(scheduleOf(QString()), QDateTime(), berlin));
        QVERIFY(!nextOpening(scheduleOf(QStringLiteral("00:00-24:00")), QDateTime(), berlin).isValid());
    }

    void nextOpeningIsTheFirstOpenMoment_data()
    {
        QTest::addColumn<QString>("zone");
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("when");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("moment");
        const QString berlin = QStringLiteral("Europe/Berlin");
        const QString newYork = QStringLiteral("America/New_York");
        const QString weekdays = QStringLiteral("Mon-Fri 09:00-18:00");
        QTest::newRow("open now is now") << berlin << weekdays << "2026-11-27T10:15:00+01:00"
                                         << "2026-11-27T10:15:00+01:00" << "Fri 10:15";
        QTest::newRow("later today") << berlin << weekdays << "2026-11-27T08:00:00+01:00"
                                     << "2026-11-27T09:00:00+01:00" << "Fri 09:00";
        QTest::newRow("over the weekend") << berlin << weekdays << "2026-11-27T19:00:00+01:00"
                                          << "2026-11-30T09:00:00+01:00" << "Mon 09:00";
        QTest::newRow("Saturday window first") << berlin << "Mon-Fri 09:00-18:00; Sat 10:00-12:00"
                                               << "2026-11-27T19:00:00+01:00" << "2026-11-28T10:00:00+01:00" << "Sat 10:00";
        QTest::newRow("after the Saturday window") << berlin << "Mon-Fri 09:00-18:00; Sat 10:00-12:00"
                                                   << "2026-11-28T12:30:00+01:00" << "2026-11-30T09:00:00+01:00" << "Mon 09:00";
        QTest::newRow("overnight window a week later") << berlin << "Fri 22:00-06:00" << "2026-11-28T07:00:00+01:00"
                                                       << "2026-12-04T22:00:00+01:00" << "Fri 22:00";
        QTest::newRow("just after it closed, next week") << berlin << "Fri 09:00-10:00" << "2026-11-27T10:00:00+01:00"
                                                         << "2026-12-04T09:00:00+01:00" << "Fri 09:00";
        QTest::newRow("New York weekdays") << newYork << weekdays << "2026-11-28T12:00:00-05:00"
                                           << "2026-11-30T09:00:00-05:00" << "Mon 09:00";
        QTest::newRow("across the New York DST start") << newYork << weekdays << "2026-03-07T12:00:00Z"
                                                       << "2026-03-09T09:00:00-04:00" << "Mon 09:00";
        QTest::newRow("across the Berlin DST end") << berlin << weekdays << "2026-10-24T12:00:00+02:00"
                                                   << "2026-10-26T09:00:00+01:00" << "Mon 09:00";
        QTest::newRow("start in the spring gap opens at the jump") << berlin << "Sun 02:30-05:00" << "2026-03-28T12:00:00Z"
                                                                   << "2026-03-29T01:00:00Z" << "Sun 03:00";
        QTest::newRow("repeated hour: first occurrence") << berlin << "Sun 02:30-05:00" << "2026-10-25T00:10:00Z"
                                                         << "2026-10-25T00:30:00Z" << "Sun 02:30";
        QTest::newRow("repeated hour opens again") << berlin << "Sun 02:30-05:00" << "2026-10-25T01:10:00Z"
                                                   << "2026-10-25T01:30:00Z" << "Sun 02:30";
    }
    void nextOpeningIsTheFirstOpenMoment()
    {
        QFETCH(QString, zone);
        QFETCH(QString, schedule);
        QFETCH(QString, when);
        QFETCH(QString, expected);
        QFETCH(QString, moment);
        const QTimeZone tz(zone.toUtf8());
        const Schedule parsed = scheduleOf(schedule);
        const QDateTime next = nextOpening(parsed, at(when), tz);
        QVERIFY(next.isValid());
        QCOMPARE(next.toUTC(), at(expected).toUTC());
        QCOMPARE(next.timeZone(), tz);
        QCOMPARE(describeMoment(next, tz), moment);
        QVERIFY(isOpen(parsed, next, tz));
        if (next > at(when))
            QVERIFY(!isOpen(parsed, next.addSecs(-1), tz));
    }

    void describeNamesTheEntriesAndTheZone_data()
    {
        QTest::addColumn<QString>("zone");
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("text");
        QTest::newRow("one entry") << "Europe/Berlin" << "Mon-Fri 09:00-18:00" << "Mon-Fri 09:00-18:00 (Europe/Berlin)";
        QTest::newRow("several entries") << "America/New_York" << "Mon-Fri 09:00-18:00; 22:00-06:00"
                                         << "Mon-Fri 09:00-18:00, 22:00-06:00 (America/New_York)";
        QTest::newRow("always open") << "Europe/Berlin" << "" << "any time";
    }
    void describeNamesTheEntriesAndTheZone()
    {
        QFETCH(QString, zone);
        QFETCH(QString, schedule);
        QFETCH(QString, text);
        QCOMPARE(describe(scheduleOf(schedule), QTimeZone(zone.toUtf8())), text);
    }

    void denialMessageReadsWell()
    {
        const QTimeZone berlin("Europe/Berlin");
        const Schedule schedule = scheduleOf(QStringLiteral("Mon-Fri 09:00-18:00"));
        const QDateTime now = at(QStringLiteral("2026-11-28T12:00:00+01:00"));
        QVERIFY(!isOpen(schedule, now, berlin));
        const QString message = QStringLiteral("outside the schedule %1; next opening %2")
                                    .arg(describe(schedule, berlin), describeMoment(nextOpening(schedule, now, berlin), berlin));
        QCOMPARE(message, QStringLiteral("outside the schedule Mon-Fri 09:00-18:00 (Europe/Berlin); next opening Mon 09:00"));
    }
};

QTEST_APPLESS_MAIN(TestSchedule)
#include "tst_schedule.moc"
