// End to end: `keyward log`, `keyward log verify` and `keyward log purge` run as a separate
// process on a KEYWARD_HOME whose audit.db this test seeded through AuditLog.

#include "audit/auditlog.h"
#include "core/keywardhome.h"
#include "core/timespec.h"
#include "support/e2eprocess.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTimeZone>
#include <QtTest>

using json = nlohmann::json;
using keyward::AuditLog;
using keyward::AuditRow;
using keyward::test::TempHome;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

Run runCli(const TempHome &home, const QStringList &args)
{
    QProcess process;
    process.setProcessEnvironment(keyward::test::environmentFor(home));
    process.start(QStringLiteral(KEYWARD_BINARY), args);
    Run run;
    if (!process.waitForStarted(30000) || !process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished(5000);
        run.err = QStringLiteral("keyward did not finish");
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

QString auditPath(const TempHome &home) { return keyward::KeywardHome::atDirectory(home.path()).auditDatabase(); }

AuditRow row(const QString &agent, const QString &service, const QString &decision, const QDateTime &time,
             const QString &path = QStringLiteral("/items"))
{
    AuditRow r;
    r.time = time;
    r.agent = agent;
    r.client = QStringLiteral("cli-test");
    r.service = service;
    r.method = QStringLiteral("GET");
    r.path = path;
    r.queryKeys = {QStringLiteral("page"), QStringLiteral("q")};
    r.status = decision == QLatin1String("allowed") ? std::optional<int>(200) : std::nullopt;
    r.durationMs = 15;
    r.bytesOut = 99;
    r.decision = decision;
    r.rule = QStringLiteral("allow GET /items");
    r.responseBody = QStringLiteral("{\"ok\":true}");
    return r;
}

// Seeds: 1 alice/github allowed 3h ago, 2 bob/openai denied 90m ago, 3 alice/openai allowed 30m ago,
// 4 bob/github allowed 10m ago.
QList<AuditRow> seed(const TempHome &home)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    AuditLog audit(auditPath(home));
    QList<AuditRow> rows;
    const QList<AuditRow> wanted = {
        row(QStringLiteral("alice"), QStringLiteral("github"), QStringLiteral("allowed"), now.addSecs(-3 * 3600)),
        row(QStringLiteral("bob"), QStringLiteral("openai"), QStringLiteral("denied"), now.addSecs(-90 * 60)),
        row(QStringLiteral("alice"), QStringLiteral("openai"), QStringLiteral("allowed"), now.addSecs(-30 * 60)),
        row(QStringLiteral("bob"), QStringLiteral("github"), QStringLiteral("allowed"), now.addSecs(-10 * 60)),
    };
    for (const AuditRow &r : wanted) {
        const auto appended = audit.append(r);
        if (!appended)
            qFatal("seeding failed: %s", qPrintable(appended.error().message));
        rows.append(*appended);
    }
    return rows;
}

QList<json> jsonLines(const QString &text)
{
    QList<json> lines;
    for (const QString &line : text.split(u'\n', Qt::SkipEmptyParts))
        lines.append(json::parse(line.toStdString(), nullptr, false));
    return lines;
}

QList<qint64> seqs(const QList<json> &lines)
{
    QList<qint64> out;
    for (const json &line : lines)
        out.append(line.value("seq", qint64(-1)));
    return out;
}

bool sqlite(const QString &path, const QString &sql)
{
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
        db.setDatabaseName(path);
        ok = db.open() && QSqlQuery(db).exec(sql);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
    return ok;
}

} // namespace

class TestLogCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void jsonLinesMatchTheSeededRows()
    {
        TempHome home;
        const QList<AuditRow> seeded = seed(home);
        const Run run = runCli(home, {QStringLiteral("log"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QList<json> lines = jsonLines(run.out);
        QCOMPARE(lines.size(), seeded.size());
        for (int i = 0; i < lines.size(); ++i) {
            const json &line = lines.at(i);
            const AuditRow &r = seeded.at(i);
            QVERIFY2(line.is_object(), qPrintable(run.out));
            QCOMPARE(line["seq"].get<qint64>(), r.seq);
            QCOMPARE(QString::fromStdString(line["time"].get<std::string>()), keyward::formatRfc3339Ms(r.time));
            QCOMPARE(QString::fromStdString(line["agent"].get<std::string>()), r.agent);
            QCOMPARE(QString::fromStdString(line["client"].get<std::string>()), r.client);
            QCOMPARE(QString::fromStdString(line["service"].get<std::string>()), r.service);
            QCOMPARE(QString::fromStdString(line["method"].get<std::string>()), r.method);
            QCOMPARE(QString::fromStdString(line["path"].get<std::string>()), r.path);
            QCOMPARE(line["query_keys"], json({"page", "q"}));
            QCOMPARE(line["status"], r.status ? json(*r.status) : json(nullptr));
            QCOMPARE(line["duration_ms"], json(15));
            QCOMPARE(line["bytes_in"], json(0));
            QCOMPARE(line["bytes_out"], json(99));
            QCOMPARE(QString::fromStdString(line["decision"].get<std::string>()), r.decision);
            QCOMPARE(line["rule"], json("allow GET /items"));
            QCOMPARE(line["reason"], json(nullptr));
            QCOMPARE(line["request_body"], json(nullptr));
            QCOMPARE(line["response_body"], json("{\"ok\":true}"));
            QCOMPARE(QString::fromStdString(line["prev_hash"].get<std::string>()), r.prevHash);
            QCOMPARE(QString::fromStdString(line["hash"].get<std::string>()), r.hash);
        }
    }

    void textIsOneLinePerRow()
    {
        TempHome home;
        const QList<AuditRow> seeded = seed(home);
        const Run run = runCli(home, {QStringLiteral("log")});
        QCOMPARE(run.exitCode, 0);
        const QStringList lines = run.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), seeded.size());
        const QString first = lines.first();
        QVERIFY2(first.startsWith(keyward::formatRfc3339Ms(seeded.first().time)), qPrintable(first));
        for (const QString &part :
             {QStringLiteral("allowed"), QStringLiteral("alice"), QStringLiteral("github"), QStringLiteral("GET"),
              QStringLiteral("/items"), QStringLiteral("200"), QStringLiteral("allow GET /items")})
            QVERIFY2(first.contains(part), qPrintable(first));
        QVERIFY2(lines.at(1).contains(QStringLiteral("denied")), qPrintable(lines.at(1)));
    }

    void filters_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QList<qint64>>("expected");
        QTest::newRow("service") << QStringList{QStringLiteral("--service"), QStringLiteral("openai")}
                                 << QList<qint64>{2, 3};
        QTest::newRow("agent") << QStringList{QStringLiteral("--agent"), QStringLiteral("bob")} << QList<qint64>{2, 4};
        QTest::newRow("decision") << QStringList{QStringLiteral("--decision"), QStringLiteral("denied")}
                                  << QList<qint64>{2};
        QTest::newRow("limit: newest, oldest first")
            << QStringList{QStringLiteral("--limit"), QStringLiteral("2")} << QList<qint64>{3, 4};
        QTest::newRow("since relative 2h")
            << QStringList{QStringLiteral("--since"), QStringLiteral("2h")} << QList<qint64>{2, 3, 4};
        QTest::newRow("since relative 15m")
            << QStringList{QStringLiteral("--since"), QStringLiteral("15m")} << QList<qint64>{4};
        QTest::newRow("since RFC 3339") << QStringList{QStringLiteral("--since"),
                                                       keyward::formatRfc3339Ms(
                                                           QDateTime::currentDateTimeUtc().addSecs(-45 * 60))}
                                        << QList<qint64>{3, 4};
        QTest::newRow("agent and service")
            << QStringList{QStringLiteral("--agent=alice"), QStringLiteral("--service=openai")} << QList<qint64>{3};
        QTest::newRow("no match") << QStringList{QStringLiteral("--service"), QStringLiteral("nothing")}
                                  << QList<qint64>{};
    }

    void filters()
    {
        QFETCH(QStringList, args);
        QFETCH(QList<qint64>, expected);
        TempHome home;
        seed(home);
        const Run run = runCli(home, QStringList{QStringLiteral("log"), QStringLiteral("--json")} + args);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QCOMPARE(seqs(jsonLines(run.out)), expected);
    }

    void verifyPassesThenNamesTheAlteredRow()
    {
        TempHome home;
        seed(home);
        Run run = runCli(home, {QStringLiteral("log"), QStringLiteral("verify")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.startsWith(QStringLiteral("ok: 4 rows")), qPrintable(run.out));

        QVERIFY(sqlite(auditPath(home), QStringLiteral("UPDATE audit SET path = '/admin/keys' WHERE seq = 3")));
        run = runCli(home, {QStringLiteral("log"), QStringLiteral("verify")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.out.contains(QStringLiteral("seq 3")), qPrintable(run.out));
        QVERIFY2(run.out.contains(QStringLiteral("altered")), qPrintable(run.out));

        run = runCli(home, {QStringLiteral("log"), QStringLiteral("verify"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 1);
        const json report = json::parse(run.out.toStdString(), nullptr, false);
        QCOMPARE(report["ok"], json(false));
        QCOMPARE(report["bad_seq"], json(3));
    }

    void verifyNamesTheRowAfterADeletedOne()
    {
        TempHome home;
        seed(home);
        QVERIFY(sqlite(auditPath(home), QStringLiteral("DELETE FROM audit WHERE seq = 2")));
        const Run run = runCli(home, {QStringLiteral("log"), QStringLiteral("verify")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.out.contains(QStringLiteral("seq 3")), qPrintable(run.out));
    }

    void purgeRemovesOldRowsAndKeepsTheChain()
    {
        TempHome home;
        const QList<AuditRow> seeded = seed(home);
        Run run = runCli(
            home, {QStringLiteral("log"), QStringLiteral("purge"), QStringLiteral("--before"), QStringLiteral("1h")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.out.contains(QStringLiteral("removed 2 rows")), qPrintable(run.out));

        run = runCli(home, {QStringLiteral("log"), QStringLiteral("verify")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));

        run = runCli(home, {QStringLiteral("log"), QStringLiteral("--json")});
        const QList<json> lines = jsonLines(run.out);
        // The anchor replaces the removed rows; the purge itself is a change row at the end.
        QCOMPARE(seqs(lines), (QList<qint64>{2, 3, 4, 5}));
        QCOMPARE(lines.first()["decision"], json("anchor"));
        QCOMPARE(QString::fromStdString(lines.first()["prev_hash"].get<std::string>()), seeded.at(1).hash);
        QVERIFY(QString::fromStdString(lines.first()["reason"].get<std::string>())
                    .startsWith(QStringLiteral("purged 2 rows before ")));
        QCOMPARE(lines.last()["decision"], json("change"));
        QCOMPARE(lines.last()["method"], json("log purge"));
        QCOMPARE(lines.last()["path"], json("audit"));
        QCOMPARE(lines.last()["agent"], json("cli"));
        QVERIFY(QString::fromStdString(lines.last()["reason"].get<std::string>())
                    .startsWith(QStringLiteral("removed 2 rows before ")));

        // Nothing old enough: nothing changes, not even a change row.
        run = runCli(home, {QStringLiteral("log"), QStringLiteral("purge"), QStringLiteral("--before"),
                                QStringLiteral("2020-01-01T00:00:00Z"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(json::parse(run.out.toStdString(), nullptr, false)["removed"], json(0));
        QCOMPARE(jsonLines(runCli(home, {QStringLiteral("log"), QStringLiteral("--json")}).out).size(), 4);
    }

    void purgeOfEveryRowKeepsTheChain()
    {
        TempHome home;
        seed(home);
        Run run = runCli(home, {QStringLiteral("log"), QStringLiteral("purge"), QStringLiteral("--before"),
                                    QStringLiteral("2999-01-01T00:00:00Z")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QList<json> lines = jsonLines(runCli(home, {QStringLiteral("log"), QStringLiteral("--json")}).out);
        QCOMPARE(seqs(lines), (QList<qint64>{4, 5}));
        QCOMPARE(lines.at(0)["decision"], json("anchor"));
        QCOMPARE(lines.at(1)["decision"], json("change"));
        run = runCli(home, {QStringLiteral("log"), QStringLiteral("verify")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    }

    void purgeAppliesTheDailyRetentionFirst()
    {
        TempHome home;
        const QDateTime now = QDateTime::currentDateTimeUtc();
        {
            AuditLog audit(auditPath(home));
            QVERIFY(audit.append(row(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), now.addDays(-40))));
            QVERIFY(audit.append(row(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), now.addDays(-20))));
            QVERIFY(audit.append(row(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), now.addSecs(-60))));
        }
        QFile config(home.filePath(QStringLiteral("config.json")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(R"({"version": 1, "settings": {"retentionDays": 30}})");
        config.close();

        Run run = runCli(home, {QStringLiteral("log"), QStringLiteral("purge"), QStringLiteral("--before"),
                                    QStringLiteral("10d"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        // Retention (30 days) took the -40d row already; the purge itself only the -20d one.
        QCOMPARE(json::parse(run.out.toStdString(), nullptr, false)["removed"], json(1));
        const QList<json> lines = jsonLines(runCli(home, {QStringLiteral("log"), QStringLiteral("--json")}).out);
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines.at(0)["decision"], json("anchor"));
        QCOMPARE(lines.at(0)["method"], json("log purge"));
        QVERIFY2(QString::fromStdString(lines.at(0)["reason"].get<std::string>()).startsWith(QStringLiteral("purged 1 rows")),
                 lines.at(0).dump().c_str());
        QCOMPARE(lines.at(2)["method"], json("log purge"));
        QVERIFY(runCli(home, {QStringLiteral("log"), QStringLiteral("verify")}).exitCode == 0);
    }

    void badFlagsAreUsageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("limit zero") << QStringList{QStringLiteral("--limit"), QStringLiteral("0")}
                                    << QStringLiteral("--limit");
        QTest::newRow("limit not a number")
            << QStringList{QStringLiteral("--limit"), QStringLiteral("ten")} << QStringLiteral("--limit");
        QTest::newRow("limit missing value") << QStringList{QStringLiteral("--limit")} << QStringLiteral("limit");
        QTest::newRow("bad since") << QStringList{QStringLiteral("--since"), QStringLiteral("yesterday")}
                                   << QStringLiteral("not a time");
        QTest::newRow("since without offset")
            << QStringList{QStringLiteral("--since"), QStringLiteral("2026-01-01T10:00:00")}
            << QStringLiteral("not a time");
        QTest::newRow("unknown decision")
            << QStringList{QStringLiteral("--decision"), QStringLiteral("maybe")} << QStringLiteral("not a decision");
        QTest::newRow("bad agent name") << QStringList{QStringLiteral("--agent"), QStringLiteral("Bad Name")}
                                        << QStringLiteral("not a valid name");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("--color")} << QStringLiteral("color");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("show")}
                                         << QStringLiteral("unknown log command");
        QTest::newRow("purge without before") << QStringList{QStringLiteral("purge")} << QStringLiteral("--before");
        QTest::newRow("purge bad time") << QStringList{QStringLiteral("purge"), QStringLiteral("--before"),
                                                       QStringLiteral("soon")}
                                        << QStringLiteral("not a time");
        QTest::newRow("purge with a filter")
            << QStringList{QStringLiteral("purge"), QStringLiteral("--before"), QStringLiteral("1d"),
                           QStringLiteral("--agent"), QStringLiteral("bob")}
            << QStringLiteral("only --before");
        QTest::newRow("before without purge")
            << QStringList{QStringLiteral("--before"), QStringLiteral("1d")} << QStringLiteral("--before");
        QTest::newRow("verify with a filter")
            << QStringList{QStringLiteral("verify"), QStringLiteral("--limit"), QStringLiteral("3")}
            << QStringLiteral("no options");
    }

    void badFlagsAreUsageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        TempHome home;
        seed(home);
        Run run = runCli(home, QStringList{QStringLiteral("log")} + args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY(run.out.isEmpty());

        run = runCli(home, QStringList{QStringLiteral("log"), QStringLiteral("--json")} + args);
        QCOMPARE(run.exitCode, 2);
        const json error = json::parse(run.out.toStdString(), nullptr, false);
        QCOMPARE(error["error"]["code"], json("usage"));
    }

    void missingDatabaseIsEmptyAndNotCreated()
    {
        TempHome home;
        Run run = runCli(home, {QStringLiteral("log")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.isEmpty());
        run = runCli(home, {QStringLiteral("log"), QStringLiteral("verify")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains(QStringLiteral("no audit yet")), qPrintable(run.out));
        run = runCli(home, {QStringLiteral("log"), QStringLiteral("verify"), QStringLiteral("--json")});
        QCOMPARE(json::parse(run.out.toStdString(), nullptr, false)["ok"], json(true));
        QVERIFY(!QFileInfo::exists(auditPath(home)));
    }

    void damagedDatabaseIsAnAuditError()
    {
        TempHome home;
        QFile file(auditPath(home));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("not a database at all\n").repeated(200));
        file.close();
        Run run = runCli(home, {QStringLiteral("log"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 1);
        const json error = json::parse(run.out.toStdString(), nullptr, false);
        QCOMPARE(error["error"]["code"], json("audit_error"));
        QVERIFY(QString::fromStdString(error["error"]["message"].get<std::string>())
                    .contains(QStringLiteral("move it aside")));
        run = runCli(home, {QStringLiteral("log"), QStringLiteral("verify")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("move it aside")), qPrintable(run.err));
        QCOMPARE(QFileInfo(auditPath(home)).size(), qint64(22 * 200));
    }

    void followPrintsNewRowsUntilTerminated()
    {
        TempHome home;
        seed(home);
        QProcess follow;
        follow.setProcessEnvironment(keyward::test::environmentFor(home));
        follow.start(QStringLiteral(KEYWARD_BINARY),
                     {QStringLiteral("log"), QStringLiteral("--follow"), QStringLiteral("--json"),
                      QStringLiteral("--agent"), QStringLiteral("carol")});
        QVERIFY(follow.waitForStarted());
        QTest::qWait(500);
        QVERIFY(follow.readAllStandardOutput().isEmpty());

        AuditLog audit(auditPath(home));
        QVERIFY(audit.append(row(QStringLiteral("dave"), QStringLiteral("github"), QStringLiteral("allowed"), {})));
        const auto appended =
            audit.append(row(QStringLiteral("carol"), QStringLiteral("github"), QStringLiteral("allowed"), {}));
        QVERIFY(appended);
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += follow.readAllStandardOutput()).contains('\n'), 10000);
        const json line = json::parse(out.trimmed().toStdString(), nullptr, false);
        QCOMPARE(line["seq"], json(appended->seq));
        QCOMPARE(line["agent"], json("carol"));

        follow.terminate();
        QVERIFY(follow.waitForFinished(5000));
        QCOMPARE(follow.exitStatus(), QProcess::NormalExit);
        QCOMPARE(follow.exitCode(), 0);
    }

    void followStopsWhenStdoutCloses()
    {
        TempHome home;
        seed(home);
        QProcess shell;
        shell.setProcessEnvironment(keyward::test::environmentFor(home));
        shell.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("\"$0\" log --follow | head -n 1"),
                                                QStringLiteral(KEYWARD_BINARY)});
        QVERIFY(shell.waitForStarted());
        QVERIFY2(shell.waitForFinished(10000), "keyward log --follow kept running after its reader went away");
        QCOMPARE(shell.readAllStandardOutput().count('\n'), 1);
    }
};

QTEST_GUILESS_MAIN(TestLogCli)
#include "tst_log_cli.moc"
