// The value checks and units the admin commands share with config loading: durations, sizes,
// rules, base URLs, schedules.

#include "config/units.h"
#include "config/validation.h"

#include <QtTest>

using namespace keyward;

class TestConfigValues : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void durationsParse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms"); // -1 = refused
        QTest::newRow("seconds") << QStringLiteral("30s") << qint64(30000);
        QTest::newRow("milliseconds") << QStringLiteral("1500ms") << qint64(1500);
        QTest::newRow("minutes") << QStringLiteral("2m") << qint64(120000);
        QTest::newRow("min spelled out") << QStringLiteral("2min") << qint64(120000);
        QTest::newRow("hours") << QStringLiteral("1h") << qint64(3600000);
        QTest::newRow("bare number refused") << QStringLiteral("30") << qint64(-1);
        QTest::newRow("fraction refused") << QStringLiteral("1.5s") << qint64(-1);
        QTest::newRow("negative refused") << QStringLiteral("-5s") << qint64(-1);
        QTest::newRow("unknown unit refused") << QStringLiteral("3w") << qint64(-1);
        QTest::newRow("space refused") << QStringLiteral("30 s") << qint64(-1);
        QTest::newRow("empty refused") << QString() << qint64(-1);
    }
    void durationsParse()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        const auto parsed = parseDurationMs(text);
        QCOMPARE(parsed.ok(), ms >= 0);
        if (ms >= 0)
            QCOMPARE(*parsed, ms);
        else
            QCOMPARE(parsed.error().code, QStringLiteral("usage"));
    }

    void sizesParse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("plain bytes") << QStringLiteral("1000") << qint64(1000);
        QTest::newRow("B suffix") << QStringLiteral("1000B") << qint64(1000);
        QTest::newRow("KiB") << QStringLiteral("512KiB") << qint64(512 * 1024);
        QTest::newRow("MiB") << QStringLiteral("10MiB") << qint64(10 * 1024 * 1024);
        QTest::newRow("lowercase mib") << QStringLiteral("10mib") << qint64(10 * 1024 * 1024);
        QTest::newRow("GiB") << QStringLiteral("1GiB") << qint64(1) * 1024 * 1024 * 1024;
        QTest::newRow("decimal MB refused") << QStringLiteral("10MB") << qint64(-1);
        QTest::newRow("fraction refused") << QStringLiteral("1.5MiB") << qint64(-1);
        QTest::newRow("words refused") << QStringLiteral("lots") << qint64(-1);
        QTest::newRow("overflow refused") << QStringLiteral("999999999999999GiB") << qint64(-1);
    }
    void sizesParse()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        const auto parsed = parseByteSize(text);
        QCOMPARE(parsed.ok(), bytes >= 0);
        if (bytes >= 0)
            QCOMPARE(*parsed, bytes);
    }

    void formatsAreExact()
    {
        QCOMPARE(formatDurationMs(30000), QStringLiteral("30s"));
        QCOMPARE(formatDurationMs(1500), QStringLiteral("1500ms"));
        QCOMPARE(formatDurationMs(120000), QStringLiteral("2m"));
        QCOMPARE(formatByteSize(10 * 1024 * 1024), QStringLiteral("10MiB"));
        QCOMPARE(formatByteSize(1536), QStringLiteral("1536B"));
    }

    void rulesParse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("get globstar") << QStringLiteral("GET /repos/**") << true;
        QTest::newRow("any method") << QStringLiteral("* /public/*") << true;
        QTest::newRow("extra spaces") << QStringLiteral("  DELETE    /x  ") << true;
        QTest::newRow("root") << QStringLiteral("POST /") << true;
        QTest::newRow("lowercase method") << QStringLiteral("get /x") << false;
        QTest::newRow("unknown method") << QStringLiteral("TRACE /x") << false;
        QTest::newRow("no path") << QStringLiteral("GET") << false;
        QTest::newRow("relative path") << QStringLiteral("GET x") << false;
        QTest::newRow("query") << QStringLiteral("GET /x?y=1") << false;
        QTest::newRow("dot dot") << QStringLiteral("GET /a/../b") << false;
        QTest::newRow("three words") << QStringLiteral("GET /a /b") << false;
        QTest::newRow("backslash") << QStringLiteral("GET /a\\b") << false;
    }
    void rulesParse()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const auto rule = config_check::parseRule(RuleAction::Deny, text);
        QVERIFY2(rule.ok() == valid, rule.ok() ? "accepted" : qPrintable(rule.error().message));
        if (valid)
            QCOMPARE(rule->action, RuleAction::Deny);
    }

    void baseUrls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("valid");
        QTest::newRow("https host") << QStringLiteral("https://api.github.com") << true;
        QTest::newRow("https with prefix and port") << QStringLiteral("https://api.x.com:8443/v1") << true;
        QTest::newRow("http localhost") << QStringLiteral("http://localhost:11434") << true;
        QTest::newRow("http 127.0.0.1") << QStringLiteral("http://127.0.0.1:8080/api") << true;
        QTest::newRow("http ::1") << QStringLiteral("http://[::1]:8080") << true;
        QTest::newRow("http remote") << QStringLiteral("http://api.x.com") << false;
        QTest::newRow("http localhost lookalike") << QStringLiteral("http://localhost.evil.com") << false;
        QTest::newRow("uppercase scheme") << QStringLiteral("HTTPS://api.x.com") << false;
        QTest::newRow("no host") << QStringLiteral("https:///v1") << false;
        QTest::newRow("userinfo") << QStringLiteral("https://u:p@api.x.com") << false;
        QTest::newRow("empty query") << QStringLiteral("https://api.x.com/?") << false;
        QTest::newRow("space") << QStringLiteral("https://api.x.com/a b") << false;
        QTest::newRow("encoded slash") << QStringLiteral("https://api.x.com/a%2Fb") << false;
        QTest::newRow("double slash") << QStringLiteral("https://api.x.com//v1") << false;
    }
    void baseUrls()
    {
        QFETCH(QString, url);
        QFETCH(bool, valid);
        const QString problem = config_check::baseUrlProblem(url);
        QVERIFY2(problem.isEmpty() == valid, qPrintable(problem.isEmpty() ? QStringLiteral("accepted") : problem));
    }

    void schedules_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<bool>("valid");
        QTest::newRow("weekdays") << QStringLiteral("Mon-Fri 09:00-18:00") << true;
        QTest::newRow("one day") << QStringLiteral("Sat 10:00-12:00") << true;
        QTest::newRow("list") << QStringLiteral("Mon,Wed,Fri-Sun 00:00-24:00") << true;
        QTest::newRow("every day") << QStringLiteral("08:00-20:00") << true;
        QTest::newRow("lowercase day") << QStringLiteral("mon 09:00-18:00") << false;
        QTest::newRow("hour 25") << QStringLiteral("Mon 09:00-25:00") << false;
        QTest::newRow("no minutes") << QStringLiteral("Mon 9-17") << false;
    }
    void schedules()
    {
        QFETCH(QString, entry);
        QFETCH(bool, valid);
        QCOMPARE(config_check::scheduleProblem(entry).isEmpty(), valid);
    }
};

QTEST_APPLESS_MAIN(TestConfigValues)
#include "tst_configvalues.moc"
