// AuditLog: the hash chain over audit.db (DESIGN.md "Audit"), its verification, purge with an
// anchor, filters, two processes appending at once, damaged files and file modes.
//
// The executable doubles as the child of the two-process test: `tst_auditlog --append-child DB TAG
// GOFILE` opens DB, waits for GOFILE to exist, then appends kChildRows rows with agent TAG.

#include "audit/auditchain.h"
#include "audit/auditlog.h"
#include "core/timespec.h"

#include <QCryptographicHash>
#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QTimeZone>
#include <QtTest>

#include <cstdio>

using keyward::AuditFilter;
using keyward::AuditLog;
using keyward::AuditRow;

namespace {

constexpr int kChildRows = 200;

QDateTime utc(int y, int mo, int d, int h, int mi, int s, int ms = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s, ms), QTimeZone::utc());
}

AuditRow callRow(const QString &agent, const QString &service, const QString &decision = QStringLiteral("allowed"),
                 const QDateTime &time = {})
{
    AuditRow row;
    row.time = time;
    row.agent = agent;
    row.client = QStringLiteral("test-client");
    row.service = service;
    row.method = QStringLiteral("GET");
    row.path = QStringLiteral("/items/1");
    row.queryKeys = {QStringLiteral("page")};
    row.status = 200;
    row.durationMs = 12;
    row.bytesIn = 0;
    row.bytesOut = 34;
    row.decision = decision;
    row.rule = QStringLiteral("allow GET /items/**");
    row.responseBody = QStringLiteral("{\"id\":1}");
    return row;
}

// A second, raw connection to the same file: what someone editing audit.db outside Keyward does.
class RawDb {
public:
    explicit RawDb(const QString &path) : m_name(QStringLiteral("raw-%1").arg(++s_count))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.open();
    }
    ~RawDb()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    bool exec(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        if (!query.exec(sql)) {
            qWarning("%s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
            return false;
        }
        return true;
    }
    QVariant scalar(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        if (!query.exec(sql) || !query.next())
            return {};
        return query.value(0);
    }

private:
    static inline int s_count = 0;
    QString m_name;
};

// The error message of a failed result, for QVERIFY2 (which evaluates its message even on success).
template <typename T>
QByteArray why(const keyward::Result<T> &result)
{
    return result ? QByteArray() : result.error().message.toUtf8();
}

QList<qint64> seqsOf(const QList<AuditRow> &rows)
{
    QList<qint64> seqs;
    for (const AuditRow &row : rows)
        seqs.append(row.seq);
    return seqs;
}

} // namespace

class TestAuditLog : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_fileCount = 0;

    QString freshPath() { return m_dir.filePath(QStringLiteral("home%1/audit.db").arg(++m_fileCount)); }

    // A log of `count` call rows, agents a0.., services alternating github/openai.
    QString seeded(int count)
    {
        const QString path = freshPath();
        AuditLog audit(path);
        for (int i = 0; i < count; ++i) {
            const auto row = audit.append(
                callRow(QStringLiteral("a%1").arg(i % 2), i % 2 ? QStringLiteral("openai") : QStringLiteral("github")));
            if (!row)
                qFatal("seeding failed: %s", qPrintable(row.error().message));
        }
        return path;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void genesisRowHasZeroPrevHash()
    {
        AuditLog audit(freshPath());
        const auto row = audit.append(callRow(QStringLiteral("a"), QStringLiteral("github")));
        QVERIFY2(row, why(row).constData());
        QCOMPARE(row->seq, qint64(1));
        QCOMPARE(row->prevHash, QString(64, u'0'));
        QCOMPARE(row->hash.size(), 64);
        QCOMPARE(row->hash, row->hash.toLower());
        QCOMPARE(row->hash, keyward::auditRowHash(*row));
    }

    void canonicalRowIsFrozen_data()
    {
        QTest::addColumn<AuditRow>("row");
        QTest::addColumn<QByteArray>("canonical");
        QTest::addColumn<QString>("hash");

        AuditRow full;
        full.seq = 7;
        full.time = utc(2026, 11, 26, 7, 1, 2, 345);
        full.agent = QStringLiteral("claude-desktop");
        full.client = QStringLiteral("Claude Desktop");
        full.service = QStringLiteral("github");
        full.method = QStringLiteral("GET");
        full.path = QStringLiteral("/repos/o/r/issues");
        full.queryKeys = {QStringLiteral("state"), QStringLiteral("page")};
        full.status = 200;
        full.durationMs = 123;
        full.bytesIn = 0;
        full.bytesOut = 4567;
        full.decision = QStringLiteral("allowed");
        full.rule = QStringLiteral("allow GET /repos/**");
        full.responseBody = QStringLiteral("[{\"t\":\"\u00fcn\u00efcode\ttab\"}]");
        full.prevHash = QString(64, u'0');
        full.hash = QStringLiteral("not part of the canonical row");
        QTest::newRow("call row with nulls and unicode")
            << full
            << QByteArray(
                   "{\"agent\":\"claude-desktop\",\"bytes_in\":0,\"bytes_out\":4567,\"client\":\"Claude Desktop\","
                   "\"decision\":\"allowed\",\"duration_ms\":123,\"method\":\"GET\",\"path\":\"/repos/o/r/issues\","
                   "\"prev_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\","
                   "\"query_keys\":\"[\\\"state\\\",\\\"page\\\"]\",\"reason\":null,\"request_body\":null,"
                   "\"response_body\":\"[{\\\"t\\\":\\\""
                   "\xc3\xbcn\xc3\xaf"
                   "code\\ttab\\\"}]\",\"rule\":\"allow GET /repos/**\",\"seq\":7,\"service\":\"github\",\"status\":200,"
                   "\"time\":\"2026-11-26T07:01:02.345Z\"}")
            << QStringLiteral("48ed0a1dacc45e315443e11fc8d26bd9a7207bb1ecf61b78b62e3d3e6c01ba52");

        AuditRow change;
        change.seq = 8;
        change.time = QDateTime(QDate(2026, 11, 26), QTime(9, 1, 2, 5), QTimeZone(2 * 3600));
        change.method = QStringLiteral("policy set");
        change.path = QStringLiteral("github");
        change.decision = QStringLiteral("change");
        change.reason = QStringLiteral("added rule allow GET /user");
        change.prevHash = QStringLiteral("ab").repeated(32);
        QTest::newRow("change row, empty strings, no status, time given in +02:00")
            << change
            << QByteArray(
                   "{\"agent\":\"\",\"bytes_in\":0,\"bytes_out\":0,\"client\":\"\",\"decision\":\"change\",\"duration_ms\":0,"
                   "\"method\":\"policy set\",\"path\":\"github\","
                   "\"prev_hash\":\"abababababababababababababababababababababababababababababababab\","
                   "\"query_keys\":\"[]\",\"reason\":\"added rule allow GET /user\",\"request_body\":null,"
                   "\"response_body\":null,\"rule\":null,\"seq\":8,\"service\":\"\",\"status\":null,"
                   "\"time\":\"2026-11-26T07:01:02.005Z\"}")
            << QStringLiteral("051509c2cb0407c9119e852fcc6e71f5caad1f9d6158540fd00ad17a483acb7c");
    }

    void canonicalRowIsFrozen()
    {
        QFETCH(AuditRow, row);
        QFETCH(QByteArray, canonical);
        QFETCH(QString, hash);
        QCOMPARE(keyward::canonicalAuditJson(row), canonical);
        QCOMPARE(QString::fromLatin1(QCryptographicHash::hash(canonical, QCryptographicHash::Sha256).toHex()), hash);
        QCOMPARE(keyward::auditRowHash(row), hash);
    }

    void storedRowHashesLikeTheCanonicalRow()
    {
        // What append stores is what the canonical function hashes: reading the row back and
        // hashing it again gives the stored hash.
        const QString path = freshPath();
        AuditLog audit(path);
        AuditRow row = callRow(QStringLiteral("a"), QStringLiteral("github"));
        row.time = QDateTime(QDate(2026, 11, 26), QTime(9, 1, 2, 345), QTimeZone(2 * 3600));
        row.requestBody = QStringLiteral("line1\nline2 \u00e9");
        const auto appended = audit.append(row);
        QVERIFY(appended);
        QCOMPARE(appended->time, utc(2026, 11, 26, 7, 1, 2, 345));
        RawDb raw(path);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT time FROM audit")).toString(),
                 QStringLiteral("2026-11-26T07:01:02.345Z"));
        QCOMPARE(raw.scalar(QStringLiteral("SELECT query_keys FROM audit")).toString(), QStringLiteral("[\"page\"]"));
        QCOMPARE(raw.scalar(QStringLiteral("SELECT typeof(status) FROM audit")).toString(), QStringLiteral("integer"));
        QCOMPARE(raw.scalar(QStringLiteral("SELECT typeof(reason) FROM audit")).toString(), QStringLiteral("null"));
        QCOMPARE(raw.scalar(QStringLiteral("SELECT hash FROM audit")).toString(), appended->hash);

        const auto rows = audit.query({});
        QVERIFY(rows);
        QCOMPARE(rows->size(), 1);
        const AuditRow &back = rows->first();
        QCOMPARE(back.time, appended->time);
        QCOMPARE(back.queryKeys, row.queryKeys);
        QCOMPARE(back.status, row.status);
        QCOMPARE(back.requestBody, row.requestBody);
        QCOMPARE(back.reason, std::optional<QString>());
        QCOMPARE(keyward::auditRowHash(back), appended->hash);
    }

    void rowsLinkToThePreviousHash()
    {
        AuditLog audit(freshPath());
        QString previous = QString(64, u'0');
        for (int i = 1; i <= 5; ++i) {
            const auto row = audit.append(callRow(QStringLiteral("a"), QStringLiteral("github")));
            QVERIFY(row);
            QCOMPARE(row->seq, qint64(i));
            QCOMPARE(row->prevHash, previous);
            previous = row->hash;
        }
        const auto report = audit.verify();
        QVERIFY(report);
        QVERIFY(report->ok);
        QCOMPARE(report->rows, qint64(5));
        QCOMPARE(report->firstSeq, qint64(1));
        QCOMPARE(report->lastSeq, qint64(5));
    }

    void emptyLogVerifies()
    {
        AuditLog audit(freshPath());
        const auto report = audit.verify();
        QVERIFY(report);
        QVERIFY(report->ok);
        QCOMPARE(report->rows, qint64(0));
    }

    void verifyNamesTheFirstBadRow_data()
    {
        QTest::addColumn<QStringList>("tamper");
        QTest::addColumn<qint64>("badSeq");
        QTest::addColumn<QString>("problem");
        const QString altered = QStringLiteral("altered");
        QTest::newRow("path changed") << QStringList{QStringLiteral("UPDATE audit SET path = '/admin' WHERE seq = 3")}
                                      << qint64(3) << altered;
        QTest::newRow("status changed") << QStringList{QStringLiteral("UPDATE audit SET status = 500 WHERE seq = 3")}
                                        << qint64(3) << altered;
        QTest::newRow("status nulled") << QStringList{QStringLiteral("UPDATE audit SET status = NULL WHERE seq = 3")}
                                       << qint64(3) << altered;
        QTest::newRow("status stored as text")
            << QStringList{QStringLiteral("UPDATE audit SET status = '200x' WHERE seq = 3")} << qint64(3) << altered;
        QTest::newRow("response_body changed")
            << QStringList{QStringLiteral("UPDATE audit SET response_body = '{\"id\":2}' WHERE seq = 3")} << qint64(3)
            << altered;
        QTest::newRow("time changed, same instant written differently")
            << QStringList{QStringLiteral("UPDATE audit SET time = replace(time, 'Z', '+00:00') WHERE seq = 3")}
            << qint64(3) << altered;
        QTest::newRow("time changed") << QStringList{QStringLiteral(
                                             "UPDATE audit SET time = '2020-01-01T00:00:00.000Z' WHERE seq = 2")}
                                      << qint64(2) << altered;
        QTest::newRow("query_keys changed")
            << QStringList{QStringLiteral("UPDATE audit SET query_keys = '[]' WHERE seq = 4")} << qint64(4) << altered;
        QTest::newRow("decision changed")
            << QStringList{QStringLiteral("UPDATE audit SET decision = 'denied' WHERE seq = 5")} << qint64(5)
            << altered;
        QTest::newRow("middle row deleted") << QStringList{QStringLiteral("DELETE FROM audit WHERE seq = 3")}
                                            << qint64(4) << QStringLiteral("does not link to seq 2");
        QTest::newRow("oldest row deleted") << QStringList{QStringLiteral("DELETE FROM audit WHERE seq = 1")}
                                            << qint64(2) << QStringLiteral("neither the first row");
        QTest::newRow("seqs of two rows swapped")
            << QStringList{QStringLiteral("UPDATE audit SET seq = 100 WHERE seq = 2"),
                           QStringLiteral("UPDATE audit SET seq = 2 WHERE seq = 3"),
                           QStringLiteral("UPDATE audit SET seq = 3 WHERE seq = 100")}
            << qint64(2) << altered;
        QTest::newRow("row altered and rehashed")
            << QStringList{QStringLiteral("UPDATE audit SET path = '/x' WHERE seq = 3"),
                           QStringLiteral("UPDATE audit SET hash = '") + QString(64, u'1') +
                               QStringLiteral("' WHERE seq = 3")}
            << qint64(3) << altered;
        QTest::newRow("fake anchor inserted")
            << QStringList{QStringLiteral("UPDATE audit SET decision = 'anchor' WHERE seq = 4")} << qint64(4)
            << altered;
    }

    void verifyNamesTheFirstBadRow()
    {
        QFETCH(QStringList, tamper);
        QFETCH(qint64, badSeq);
        QFETCH(QString, problem);
        const QString path = seeded(6);
        {
            RawDb raw(path);
            for (const QString &sql : tamper)
                QVERIFY(raw.exec(sql));
        }
        AuditLog audit(path);
        const auto report = audit.verify();
        QVERIFY2(report, why(report).constData());
        QVERIFY(!report->ok);
        QCOMPARE(report->badSeq, std::optional<qint64>(badSeq));
        QVERIFY2(report->problem.contains(problem), qPrintable(report->problem));
    }

    void purgeInsertsAnchorAndChainStillVerifies()
    {
        const QString path = freshPath();
        AuditLog audit(path);
        QList<AuditRow> written;
        for (int day = 1; day <= 10; ++day) {
            const auto row = audit.append(callRow(QStringLiteral("a"), QStringLiteral("github"),
                                                  QStringLiteral("allowed"), utc(2026, 1, day, 12, 0, 0)));
            QVERIFY(row);
            written.append(*row);
        }

        const auto removed = audit.purgeBefore(utc(2026, 1, 5, 0, 0, 0));
        QVERIFY2(removed, why(removed).constData());
        QCOMPARE(*removed, 4);
        auto rows = audit.query({});
        QVERIFY(rows);
        QCOMPARE(seqsOf(*rows), (QList<qint64>{4, 5, 6, 7, 8, 9, 10}));
        const AuditRow anchor = rows->first();
        QCOMPARE(anchor.decision, QStringLiteral("anchor"));
        QCOMPARE(anchor.prevHash, written.at(3).hash);
        QCOMPARE(anchor.method, QStringLiteral("log purge"));
        QCOMPARE(anchor.reason, std::optional<QString>(QStringLiteral(
                                    "purged 4 rows before 2026-01-05T00:00:00.000Z; last removed seq 4")));
        QCOMPARE(anchor.hash, keyward::auditRowHash(anchor));
        auto report = audit.verify();
        QVERIFY(report);
        QVERIFY2(report->ok, qPrintable(report->problem));
        QCOMPARE(report->rows, qint64(7));

        // Appending still links, and a second purge removes the old anchor with the rows after it.
        QVERIFY(audit.append(callRow(QStringLiteral("a"), QStringLiteral("github"))));
        QCOMPARE(*audit.purgeBefore(utc(2026, 1, 8, 0, 0, 0)), 3);
        rows = audit.query({});
        QCOMPARE(seqsOf(*rows), (QList<qint64>{7, 8, 9, 10, 11}));
        QCOMPARE(rows->first().prevHash, written.at(6).hash);
        QVERIFY(audit.verify()->ok);

        // Nothing older: nothing changes.
        QCOMPARE(*audit.purgeBefore(utc(2025, 1, 1, 0, 0, 0)), 0);
        QCOMPARE(seqsOf(*audit.query({})), (QList<qint64>{7, 8, 9, 10, 11}));

        // Purging everything leaves the anchor; the next row links to what it stands for.
        QCOMPARE(*audit.purgeBefore(QDateTime::currentDateTimeUtc().addSecs(60)), 4);
        rows = audit.query({});
        QCOMPARE(rows->size(), 1);
        const AuditRow last = rows->first();
        QCOMPARE(last.seq, qint64(11));
        const auto next = audit.append(callRow(QStringLiteral("a"), QStringLiteral("github")));
        QVERIFY(next);
        QCOMPARE(next->seq, qint64(12));
        QCOMPARE(next->prevHash, last.prevHash);
        report = audit.verify();
        QVERIFY2(report->ok, qPrintable(report->problem));

        // Removing the anchor is detected.
        {
            RawDb raw(path);
            QVERIFY(raw.exec(QStringLiteral("DELETE FROM audit WHERE decision = 'anchor'")));
        }
        report = audit.verify();
        QVERIFY(!report->ok);
        QCOMPARE(report->badSeq, std::optional<qint64>(12));
    }

    void purgeStopsAtTheFirstNewerRow()
    {
        // Rows are not always in time order (two processes); purge only removes from the oldest end.
        AuditLog audit(freshPath());
        QVERIFY(audit.append(
            callRow(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), utc(2026, 1, 1, 0, 0, 0))));
        QVERIFY(audit.append(
            callRow(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), utc(2026, 3, 1, 0, 0, 0))));
        QVERIFY(audit.append(
            callRow(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), utc(2026, 1, 2, 0, 0, 0))));
        QCOMPARE(*audit.purgeBefore(utc(2026, 2, 1, 0, 0, 0)), 1);
        QCOMPARE(seqsOf(*audit.query({})), (QList<qint64>{1, 2, 3}));
        QCOMPARE(audit.query({})->first().decision, QStringLiteral("anchor"));
        QVERIFY(audit.verify()->ok);
    }

    void retentionPurgesOlderThanItsDays()
    {
        AuditLog audit(freshPath());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(audit.append(
            callRow(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), now.addDays(-10))));
        QVERIFY(audit.append(
            callRow(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), now.addDays(-1))));
        QCOMPARE(*audit.applyRetention(0), 0);
        QCOMPARE(*audit.applyRetention(5), 1);
        const auto rows = audit.query({});
        QCOMPARE(rows->size(), 2);
        QCOMPARE(rows->first().method, QStringLiteral("retention"));
        QVERIFY(audit.verify()->ok);
    }

    void queryFilters_data()
    {
        QTest::addColumn<AuditFilter>("filter");
        QTest::addColumn<QList<qint64>>("seqs");
        // Rows: 1 a0/github allowed d1, 2 a1/openai denied d2, 3 a0/openai allowed d3,
        //       4 a1/github change d4, 5 a0/github allowed d5 (dN = 2026-01-0N).
        AuditFilter all;
        QTest::newRow("everything") << all << QList<qint64>{1, 2, 3, 4, 5};
        AuditFilter limit;
        limit.limit = 2;
        QTest::newRow("limit is the newest, oldest first") << limit << QList<qint64>{4, 5};
        AuditFilter service;
        service.service = QStringLiteral("openai");
        QTest::newRow("service") << service << QList<qint64>{2, 3};
        AuditFilter agent;
        agent.agent = QStringLiteral("a0");
        QTest::newRow("agent") << agent << QList<qint64>{1, 3, 5};
        AuditFilter decision;
        decision.decision = QStringLiteral("allowed");
        QTest::newRow("decision") << decision << QList<qint64>{1, 3, 5};
        AuditFilter since;
        since.since = utc(2026, 1, 3, 0, 0, 0);
        QTest::newRow("since, inclusive") << since << QList<qint64>{3, 4, 5};
        AuditFilter after;
        after.afterSeq = 3;
        QTest::newRow("after seq") << after << QList<qint64>{4, 5};
        AuditFilter combined;
        combined.agent = QStringLiteral("a0");
        combined.service = QStringLiteral("github");
        combined.limit = 1;
        QTest::newRow("agent + service + limit") << combined << QList<qint64>{5};
        AuditFilter none;
        none.service = QStringLiteral("nothing");
        QTest::newRow("no match") << none << QList<qint64>{};
    }

    void queryFilters()
    {
        QFETCH(AuditFilter, filter);
        QFETCH(QList<qint64>, seqs);
        static QString path;
        if (path.isEmpty()) {
            path = freshPath();
            AuditLog seed(path);
            const char *spec[][3] = {{"a0", "github", "allowed"},
                                     {"a1", "openai", "denied"},
                                     {"a0", "openai", "allowed"},
                                     {"a1", "github", "change"},
                                     {"a0", "github", "allowed"}};
            int day = 1;
            for (const auto &s : spec)
                QVERIFY(seed.append(callRow(QString::fromLatin1(s[0]), QString::fromLatin1(s[1]),
                                            QString::fromLatin1(s[2]), utc(2026, 1, day++, 0, 0, 0))));
        }
        AuditLog audit(path);
        const auto rows = audit.query(filter);
        QVERIFY2(rows, why(rows).constData());
        QCOMPARE(seqsOf(*rows), seqs);
    }

    void countCallsCountsAgentCallsSinceAnInstant()
    {
        AuditLog audit(freshPath());
        QCOMPARE(*audit.countCalls(utc(2026, 1, 1, 0, 0, 0)), 0);
        const char *decisions[] = {"allowed", "denied", "change", "killed", "allowed"};
        int day = 1;
        for (const char *decision : decisions)
            QVERIFY(audit.append(callRow(QStringLiteral("a"), QStringLiteral("s"), QString::fromLatin1(decision),
                                         utc(2026, 1, day++, 12, 0, 0))));
        QCOMPARE(*audit.countCalls(utc(2026, 1, 1, 0, 0, 0)), 4);   // the change row is not a call
        QCOMPARE(*audit.countCalls(utc(2026, 1, 4, 12, 0, 0)), 2);  // inclusive
        QCOMPARE(*audit.countCalls(utc(2026, 1, 5, 12, 0, 1)), 0);
        QCOMPARE(*audit.purgeBefore(utc(2026, 1, 3, 0, 0, 0)), 2);  // leaves an anchor row, not a call
        QCOMPARE(*audit.countCalls(utc(2026, 1, 1, 0, 0, 0)), 2);
    }

    void twoProcessesAppendOneChain()
    {
        const QString path = freshPath();
        const QString go = m_dir.filePath(QStringLiteral("go"));
        QProcess first;
        QProcess second;
        first.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        second.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        const QString self = QCoreApplication::applicationFilePath();
        first.start(self, {QStringLiteral("--append-child"), path, QStringLiteral("one"), go});
        second.start(self, {QStringLiteral("--append-child"), path, QStringLiteral("two"), go});
        QVERIFY(first.waitForStarted());
        QVERIFY(second.waitForStarted());
        QThread::msleep(300);
        QFile goFile(go);
        QVERIFY(goFile.open(QIODevice::WriteOnly));
        goFile.close();
        QVERIFY(first.waitForFinished(60000));
        QVERIFY(second.waitForFinished(60000));
        QCOMPARE(first.exitCode(), 0);
        QCOMPARE(second.exitCode(), 0);

        AuditLog audit(path);
        const auto report = audit.verify();
        QVERIFY(report);
        QVERIFY2(report->ok, qPrintable(report->problem));
        QCOMPARE(report->rows, qint64(2 * kChildRows));
        const auto rows = audit.query({});
        QCOMPARE(rows->size(), 2 * kChildRows);
        int switches = 0;
        for (int i = 1; i < rows->size(); ++i) {
            QCOMPARE(rows->at(i).seq, rows->at(i - 1).seq + 1);
            if (rows->at(i).agent != rows->at(i - 1).agent)
                ++switches;
        }
        AuditFilter one;
        one.agent = QStringLiteral("one");
        QCOMPARE(audit.query(one)->size(), kChildRows);
        qInfo("the two writers took turns %d times", switches);
        QVERIFY2(switches > 1, "the children did not interleave, so the test proved nothing");
    }

    void damagedFileIsAnAuditErrorAndKept_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("setupSql");
        QTest::newRow("text file") << QByteArray("this is not a database\n").repeated(100) << QString();
        QByteArray header("SQLite format 3", 16);
        QTest::newRow("SQLite header, garbage after") << header + QByteArray(4080, '\x5a') << QString();
        QTest::newRow("someone else's SQLite database")
            << QByteArray() << QStringLiteral("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
        QTest::newRow("newer schema") << QByteArray() << QStringLiteral("PRAGMA user_version = 99");
    }

    void damagedFileIsAnAuditErrorAndKept()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, setupSql);
        const QString path = freshPath();
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        if (!setupSql.isEmpty()) {
            RawDb raw(path);
            QVERIFY(raw.exec(setupSql));
        } else {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(content);
        }
        QFile before(path);
        QVERIFY(before.open(QIODevice::ReadOnly));
        const QByteArray bytes = before.readAll();
        before.close();

        AuditLog audit(path);
        const auto opened = audit.open();
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, QStringLiteral("audit_error"));
        QVERIFY2(opened.error().message.contains(QStringLiteral("move it aside")) ||
                     opened.error().message.contains(QStringLiteral("upgrade Keyward")),
                 qPrintable(opened.error().message));
        QVERIFY(opened.error().message.contains(path));
        const auto appended = audit.append(callRow(QStringLiteral("a"), QStringLiteral("s")));
        QVERIFY(!appended);
        QCOMPARE(appended.error().code, QStringLiteral("audit_error"));
        QVERIFY(!audit.verify());
        QVERIFY(!audit.query({}));

        QFile after(path);
        QVERIFY(after.open(QIODevice::ReadOnly));
        QCOMPARE(after.readAll(), bytes);
    }

    void lockedDatabaseIsAClearError()
    {
        const QString path = seeded(1);
        RawDb holder(path);
        QVERIFY(holder.exec(QStringLiteral("BEGIN IMMEDIATE")));
        AuditLog audit(path, 200);
        QElapsedTimer timer;
        timer.start();
        const auto appended = audit.append(callRow(QStringLiteral("a"), QStringLiteral("s")));
        QVERIFY(!appended);
        QVERIFY(timer.elapsed() >= 150);
        QCOMPARE(appended.error().code, QStringLiteral("audit_error"));
        QVERIFY2(appended.error().message.contains(QStringLiteral("locked by another process")),
                 qPrintable(appended.error().message));
        // Readers are not blocked by a writer (WAL).
        QVERIFY(audit.query({}));
        QVERIFY(holder.exec(QStringLiteral("ROLLBACK")));
        QVERIFY(audit.append(callRow(QStringLiteral("a"), QStringLiteral("s"))));
        QVERIFY(audit.verify()->ok);
    }

    void filesAreUserOnly()
    {
        const QString dir = m_dir.filePath(QStringLiteral("modes/nested"));
        const QString path = dir + QStringLiteral("/audit.db");
        AuditLog audit(path);
        QVERIFY(audit.append(callRow(QStringLiteral("a"), QStringLiteral("s"))));
        const auto userRw = QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser;
        QCOMPARE(QFile::permissions(path), userRw);
        QCOMPARE(QFile::permissions(path + QStringLiteral("-wal")) & ~userRw, QFile::Permissions());
        QCOMPARE(QFile::permissions(dir), userRw | QFile::ExeOwner | QFile::ExeUser);
        QCOMPARE(QFile::permissions(m_dir.filePath(QStringLiteral("modes"))),
                 userRw | QFile::ExeOwner | QFile::ExeUser);

        RawDb raw(path);
        QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
        QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), AuditLog::kSchemaVersion);
        QCOMPARE(
            raw.scalar(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alerts'"))
                .toInt(),
            1);
    }

    void looseFileModeIsTightened()
    {
        const QString path = seeded(1);
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
        AuditLog audit(path);
        QVERIFY(audit.open());
        QCOMPARE(QFile::permissions(path) & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
    }

    void parseTimeSpec_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QDateTime>("expected"); // invalid: refused
        const QDateTime now = utc(2026, 11, 26, 12, 0, 0);
        QTest::newRow("UTC with ms") << QStringLiteral("2026-11-26T07:01:02.345Z") << utc(2026, 11, 26, 7, 1, 2, 345);
        QTest::newRow("lowercase, no fraction") << QStringLiteral("2026-11-26t07:01:02z") << utc(2026, 11, 26, 7, 1, 2);
        QTest::newRow("offset") << QStringLiteral("2026-11-26T09:01:02+02:00") << utc(2026, 11, 26, 7, 1, 2);
        QTest::newRow("negative offset, long fraction")
            << QStringLiteral("2026-11-26 02:01:02.3456789-05:00") << utc(2026, 11, 26, 7, 1, 2, 345);
        QTest::newRow("date only") << QStringLiteral("2026-11-26") << utc(2026, 11, 26, 0, 0, 0);
        QTest::newRow("15m") << QStringLiteral("15m") << now.addSecs(-15 * 60);
        QTest::newRow("2h") << QStringLiteral("2h") << now.addSecs(-2 * 3600);
        QTest::newRow("7d") << QStringLiteral(" 7d ") << now.addDays(-7);
        QTest::newRow("30s") << QStringLiteral("30s") << now.addSecs(-30);
        QTest::newRow("1w") << QStringLiteral("1w") << now.addDays(-7);
        QTest::newRow("no offset") << QStringLiteral("2026-11-26T07:01:02") << QDateTime();
        QTest::newRow("bad month") << QStringLiteral("2026-13-01") << QDateTime();
        QTest::newRow("bad day") << QStringLiteral("2026-02-30T00:00:00Z") << QDateTime();
        QTest::newRow("negative age") << QStringLiteral("-5m") << QDateTime();
        QTest::newRow("unknown unit") << QStringLiteral("5y") << QDateTime();
        QTest::newRow("words") << QStringLiteral("yesterday") << QDateTime();
        QTest::newRow("empty") << QString() << QDateTime();
    }

    void parseTimeSpec()
    {
        QFETCH(QString, text);
        QFETCH(QDateTime, expected);
        const auto parsed = keyward::parseTimeSpec(text, utc(2026, 11, 26, 12, 0, 0));
        if (!expected.isValid()) {
            QVERIFY(!parsed);
            QCOMPARE(parsed.error().code, QStringLiteral("usage"));
            return;
        }
        QVERIFY2(parsed, why(parsed).constData());
        QCOMPARE(*parsed, expected);
        QCOMPARE(parsed->timeSpec(), Qt::UTC);
    }
};

namespace {

int appendChild(const QString &path, const QString &tag, const QString &go)
{
    AuditLog audit(path);
    if (const auto opened = audit.open(); !opened) {
        std::fprintf(stderr, "child %s: %s\n", qPrintable(tag), qPrintable(opened.error().message));
        return 1;
    }
    QElapsedTimer waited;
    waited.start();
    while (!QFileInfo::exists(go)) {
        if (waited.elapsed() > 30000)
            return 2;
        QThread::msleep(2);
    }
    for (int i = 0; i < kChildRows; ++i) {
        const auto row = audit.append(callRow(tag, QStringLiteral("svc")));
        if (!row) {
            std::fprintf(stderr, "child %s: %s\n", qPrintable(tag), qPrintable(row.error().message));
            return 1;
        }
        QThread::usleep(200);
    }
    return 0;
}

} // namespace

// QTEST_GUILESS_MAIN, plus the child mode of twoProcessesAppendOneChain.
int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc == 5 && qstrcmp(argv[1], "--append-child") == 0)
        return appendChild(QString::fromLocal8Bit(argv[2]), QString::fromLocal8Bit(argv[3]),
                           QString::fromLocal8Bit(argv[4]));
    TestAuditLog test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_auditlog.moc"
