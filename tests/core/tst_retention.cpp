// Admin changes in the audit (recordChange) and the daily retention (RetentionPolicy,
// RetentionScheduler) with an injected clock; the `meta` table that remembers the last run, the
// schema migration that adds it, and the read-only open `keyward doctor` uses.

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "audit/retention.h"
#include "core/timespec.h"

#include <QFile>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QtTest>

using keyward::AuditLog;
using keyward::AuditRow;
using keyward::RetentionPolicy;
using keyward::RetentionScheduler;

using namespace std::chrono_literals;

namespace {

const QDateTime kT0(QDate(2026, 6, 1), QTime(12, 0), QTimeZone::utc());

AuditRow callAt(const QDateTime &time)
{
    AuditRow row;
    row.time = time;
    row.agent = QStringLiteral("agent");
    row.client = QStringLiteral("test-client");
    row.service = QStringLiteral("github");
    row.method = QStringLiteral("GET");
    row.path = QStringLiteral("/user");
    row.status = 200;
    row.decision = QStringLiteral("allowed");
    return row;
}

// A raw connection to the file, as someone poking at audit.db outside Keyward.
class RawDb {
public:
    explicit RawDb(const QString &path) : m_name(QStringLiteral("retention-raw-%1").arg(++s_count))
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

template <typename T>
QByteArray why(const keyward::Result<T> &result)
{
    return result ? QByteArray() : result.error().message.toUtf8();
}

} // namespace

class TestRetention : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_count = 0;
    QDateTime m_now;

    QString freshPath() { return m_dir.filePath(QStringLiteral("home%1/audit.db").arg(++m_count)); }
    RetentionPolicy policy()
    {
        return RetentionPolicy([this] { return m_now; });
    }

    // A schema-1 file (before `meta` existed) holding `rows` call rows.
    QString versionOneFile(int rows)
    {
        const QString path = freshPath();
        {
            AuditLog audit(path);
            for (int i = 0; i < rows; ++i) {
                if (!audit.append(callAt(kT0.addSecs(i))))
                    return {};
            }
        }
        RawDb raw(path);
        if (!raw.exec(QStringLiteral("DROP TABLE meta")) || !raw.exec(QStringLiteral("PRAGMA user_version = 1")))
            return {};
        return path;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void changeRowHasTheDocumentedFields()
    {
        AuditLog audit(freshPath());
        const QDateTime before = QDateTime::currentDateTimeUtc().addMSecs(-1);
        const auto row = keyward::recordChange(audit, QStringLiteral("service add"), QStringLiteral("github"),
                                               QStringLiteral("added with base URL https://api.github.com"),
                                               QStringLiteral("cli"), QStringLiteral("github"));
        QVERIFY2(row, why(row).constData());
        QCOMPARE(row->decision, QStringLiteral("change"));
        QCOMPARE(row->method, QStringLiteral("service add"));
        QCOMPARE(row->path, QStringLiteral("github"));
        QCOMPARE(row->reason, std::optional<QString>(QStringLiteral("added with base URL https://api.github.com")));
        QCOMPARE(row->agent, QStringLiteral("cli"));
        QCOMPARE(row->client, QStringLiteral("keyward-cli"));
        QCOMPARE(row->service, QStringLiteral("github"));
        QVERIFY(!row->status);
        QVERIFY(!row->rule);
        QVERIFY(!row->requestBody && !row->responseBody);
        QCOMPARE(row->time.timeSpec(), Qt::UTC);
        QVERIFY(row->time >= before && row->time <= QDateTime::currentDateTimeUtc());

        const auto stored = audit.query({});
        QVERIFY(stored);
        QCOMPARE(stored->size(), 1);
        QCOMPARE(stored->first().hash, row->hash);
        QVERIFY(audit.verify()->ok);
    }

    void changeRowDefaultsToTheCliAgentAndNoService()
    {
        AuditLog audit(freshPath());
        const auto row = keyward::recordChange(audit, QStringLiteral("log purge"), QStringLiteral("audit"),
                                               QStringLiteral("removed 3 rows"));
        QVERIFY2(row, why(row).constData());
        QCOMPARE(row->agent, QStringLiteral("cli"));
        QVERIFY(row->service.isEmpty());
    }

    void changeRowAfterAPurgeAnchorKeepsTheChain()
    {
        AuditLog audit(freshPath());
        for (int i = 0; i < 3; ++i)
            QVERIFY(audit.append(callAt(kT0.addSecs(i))));
        // Everything goes: the anchor is the newest row, and the change row links through it.
        QCOMPARE(*audit.purgeBefore(QDateTime::currentDateTimeUtc().addDays(1)), 3);
        QVERIFY(keyward::recordChange(audit, QStringLiteral("log purge"), QStringLiteral("audit"),
                                      QStringLiteral("removed 3 rows")));
        const auto rows = audit.query({});
        QCOMPARE(rows->size(), 2);
        QCOMPARE(rows->at(0).decision, QStringLiteral("anchor"));
        QCOMPARE(rows->at(1).decision, QStringLiteral("change"));
        QCOMPARE(rows->at(1).prevHash, rows->at(0).prevHash);
        const auto report = audit.verify();
        QVERIFY2(report->ok, qPrintable(report->problem));
    }

    void retentionRunsAtMostOncePerDay()
    {
        AuditLog audit(freshPath());
        QVERIFY(audit.append(callAt(kT0.addDays(-100))));
        QVERIFY(audit.append(callAt(kT0.addDays(-10))));
        m_now = kT0;
        const RetentionPolicy daily = policy();
        QCOMPARE(*daily.isDue(audit), true);
        auto applied = daily.applyIfDue(audit, 90);
        QVERIFY2(applied, why(applied).constData());
        QCOMPARE(*applied, std::optional<int>(1));
        QCOMPARE(*audit.metaValue(QString::fromLatin1(RetentionPolicy::kLastRunKey)),
                 std::optional<QString>(keyward::formatRfc3339Ms(kT0)));

        // Within the day: nothing happens, whatever is old enough by now.
        QVERIFY(audit.append(callAt(kT0.addSecs(60))));
        for (const qint64 later : {qint64(1), qint64(3600), qint64(24 * 3600 - 1)}) {
            m_now = kT0.addSecs(later);
            QCOMPARE(*daily.isDue(audit), false);
            QCOMPARE(*daily.applyIfDue(audit, 1), std::optional<int>());
        }
        QCOMPARE(audit.query({})->size(), 3);

        // A day later it runs again, here with a 1-day retention that removes the -10d row.
        m_now = kT0.addSecs(24 * 3600);
        QCOMPARE(*daily.isDue(audit), true);
        QCOMPARE(*daily.applyIfDue(audit, 1), std::optional<int>(1));
        QCOMPARE(*audit.metaValue(QString::fromLatin1(RetentionPolicy::kLastRunKey)),
                 std::optional<QString>(keyward::formatRfc3339Ms(m_now)));
        const auto report = audit.verify();
        QVERIFY2(report->ok, qPrintable(report->problem));
    }

    void lastRunIsSharedByEveryUserOfTheFile()
    {
        const QString path = freshPath();
        m_now = kT0;
        {
            AuditLog first(path);
            QCOMPARE(*policy().applyIfDue(first, 90), std::optional<int>(0));
        }
        AuditLog second(path);
        m_now = kT0.addSecs(3600);
        QCOMPARE(*policy().applyIfDue(second, 90), std::optional<int>());
    }

    void clockSetBackMakesRetentionDue()
    {
        AuditLog audit(freshPath());
        m_now = kT0;
        QVERIFY(policy().applyIfDue(audit, 90));
        m_now = kT0.addSecs(-3600);
        QCOMPARE(*policy().isDue(audit), true);
    }

    void zeroDaysKeepsEveryRowButCountsAsARun()
    {
        AuditLog audit(freshPath());
        QVERIFY(audit.append(callAt(kT0.addDays(-1000))));
        m_now = kT0;
        QCOMPARE(*policy().applyIfDue(audit, 0), std::optional<int>(0));
        QCOMPARE(audit.query({})->size(), 1);
        QCOMPARE(*policy().isDue(audit), false);
    }

    void theLastRunStaysOutOfTheChain()
    {
        AuditLog audit(freshPath());
        QVERIFY(audit.append(callAt(kT0.addDays(-1))));
        m_now = kT0;
        QCOMPARE(*policy().applyIfDue(audit, 90), std::optional<int>(0));
        const auto rows = audit.query({});
        QCOMPARE(rows->size(), 1);
        QCOMPARE(rows->first().decision, QStringLiteral("allowed"));
        QVERIFY(audit.verify()->ok);
    }

    void unreadableLastRunIsDue()
    {
        AuditLog audit(freshPath());
        QVERIFY(audit.setMetaValue(QString::fromLatin1(RetentionPolicy::kLastRunKey), QStringLiteral("yesterday")));
        m_now = kT0;
        QCOMPARE(*policy().isDue(audit), true);
    }

    void schedulerChecksAtStartAndThenOnItsTimer()
    {
        const QString path = freshPath();
        AuditLog audit(path);
        QVERIFY(audit.append(callAt(kT0.addDays(-40))));
        QVERIFY(audit.append(callAt(kT0.addDays(-1))));
        m_now = kT0;
        int days = 30;
        RetentionScheduler scheduler(audit, [&days] { return days; }, policy());
        QSignalSpy applied(&scheduler, &RetentionScheduler::applied);
        QSignalSpy failed(&scheduler, &RetentionScheduler::failed);

        scheduler.start(20ms);
        QVERIFY(scheduler.isActive());
        QCOMPARE(applied.size(), 1);
        QCOMPARE(applied.first().first().toInt(), 1);

        // Ticks within the day do nothing.
        QTest::qWait(120);
        QCOMPARE(applied.size(), 1);

        // A day later the next tick runs it again, with the days asked anew.
        days = 0;
        m_now = kT0.addDays(1);
        QVERIFY(applied.wait(2000));
        QCOMPARE(applied.size(), 2);
        QCOMPARE(applied.last().first().toInt(), 0);
        QCOMPARE(audit.query({})->size(), 2); // anchor + the -1d row
        QCOMPARE(failed.size(), 0);
        scheduler.stop();
        QVERIFY(!scheduler.isActive());
    }

    void schedulerReportsAFailure()
    {
        const QString path = m_dir.filePath(QStringLiteral("damaged.db"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("not a database\n").repeated(100));
        file.close();
        AuditLog audit(path);
        m_now = kT0;
        RetentionScheduler scheduler(audit, [] { return 90; }, policy());
        QSignalSpy failed(&scheduler, &RetentionScheduler::failed);
        const auto result = scheduler.checkNow();
        QVERIFY(!result);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.first().first().value<keyward::Error>().code, QStringLiteral("audit_error"));
    }

    void versionOneFileIsMigratedAndKeepsItsChain()
    {
        const QString path = versionOneFile(3);
        QVERIFY(!path.isEmpty());
        AuditLog audit(path);
        QVERIFY2(audit.open(), "open failed");
        {
            RawDb raw(path);
            QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), AuditLog::kSchemaVersion);
            QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'meta'")).toInt(), 1);
        }
        QCOMPARE(audit.query({})->size(), 3);
        QVERIFY(audit.verify()->ok);
        m_now = kT0;
        QVERIFY(policy().applyIfDue(audit, 90));
    }

    void readOnlyOpenVerifiesAndChangesNothing()
    {
        const QString path = versionOneFile(2);
        QVERIFY(!path.isEmpty());
        {
            AuditLog audit(path);
            const auto opened = audit.openReadOnly();
            QVERIFY2(opened, why(opened).constData());
            const auto report = audit.verify();
            QVERIFY2(report, why(report).constData());
            QVERIFY(report->ok);
            QCOMPARE(report->rows, qint64(2));
            QVERIFY(!audit.append(callAt(kT0)));
        }
        RawDb raw(path);
        QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), 1);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM audit")).toInt(), 2);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'meta'")).toInt(), 0);
    }

    void readOnlyOpenOfAMissingFileCreatesNothing()
    {
        const QString path = m_dir.filePath(QStringLiteral("absent/audit.db"));
        AuditLog audit(path);
        const auto opened = audit.openReadOnly();
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, QStringLiteral("audit_error"));
        QVERIFY(!QFile::exists(path));
    }
};

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
