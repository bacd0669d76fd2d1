// AlertStore on a real audit.db: alerts are stored, grown, listed newest first, marked seen and
// counted; a fresh home gets the schema; the recent call history comes without change rows.

#include "alerts/alertstore.h"
#include "audit/auditlog.h"
#include "support/temphome.h"

#include <QtTest>

using namespace keyward;

namespace {

Alert sample(const QString &category, const QString &agent, qint64 seq)
{
    Alert alert;
    alert.time = QDateTime::currentDateTimeUtc();
    alert.severity = AlertSeverity::Warning;
    alert.category = category;
    alert.agent = agent;
    alert.service = QStringLiteral("api");
    alert.message = QStringLiteral("The agent '%1' did something unusual.").arg(agent);
    alert.firstSeq = seq;
    alert.lastSeq = seq;
    return alert;
}

} // namespace

class TestAlertStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void freshHomeGetsTheSchema()
    {
        test::TempHome home;
        AlertStore store(home.filePath(QStringLiteral("data/audit.db")));
        QVERIFY(store.open().ok());
        QCOMPARE(store.unseenCount().value(), qint64(0));
        QVERIFY(store.list().value().isEmpty());
        QCOMPARE(store.lastSeq().value(), qint64(0));
        QCOMPARE(QFile::permissions(store.path()) & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
    }

    void insertListUpdateAndMarkSeen()
    {
        test::TempHome home;
        AlertStore store(home.filePath(QStringLiteral("audit.db")));
        const qint64 first = store.insert(sample(QStringLiteral("denial_burst"), QStringLiteral("bot"), 1)).value();
        Alert second = sample(QStringLiteral("exfiltration"), QStringLiteral("evil"), 7);
        second.severity = AlertSeverity::Critical;
        second.actionTaken = QStringLiteral("killed agent 'evil'");
        const qint64 secondId = store.insert(second).value();
        QVERIFY(secondId > first);

        const QList<Alert> all = store.list().value();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all[0].id, secondId); // newest first
        QCOMPARE(all[0].severity, AlertSeverity::Critical);
        QCOMPARE(all[0].actionTaken.value_or(QString()), QStringLiteral("killed agent 'evil'"));
        QCOMPARE(all[1].category, QStringLiteral("denial_burst"));
        QVERIFY(!all[1].actionTaken.has_value());
        QCOMPARE(store.list(1).value().size(), 1);

        Alert grown = all[1];
        grown.count = 9;
        grown.lastSeq = 30;
        QVERIFY(store.update(grown).ok());
        const Alert reread = store.list().value()[1];
        QCOMPARE(reread.count, 9);
        QCOMPARE(reread.lastSeq, qint64(30));
        QCOMPARE(reread.firstSeq, qint64(1));

        QCOMPARE(store.unseenCount().value(), qint64(2));
        QCOMPARE(store.markSeen({first}).value(), 1);
        QCOMPARE(store.unseenCount().value(), qint64(1));
        QCOMPARE(store.list(0, true).value().size(), 1);
        QCOMPARE(store.markSeen().value(), 1);
        QCOMPARE(store.markSeen().value(), 0);
        QCOMPARE(store.unseenCount().value(), qint64(0));
    }

    void anotherInstanceSeesTheSameAlerts()
    {
        test::TempHome home;
        AlertStore writer(home.filePath(QStringLiteral("audit.db")));
        AlertStore reader(home.filePath(QStringLiteral("audit.db")));
        QVERIFY(writer.insert(sample(QStringLiteral("rate_limit"), QStringLiteral("bot"), 3)).ok());
        QCOMPARE(reader.unseenCount().value(), qint64(1));
        QCOMPARE(reader.markSeen().value(), 1);
        QCOMPARE(writer.unseenCount().value(), qint64(0));
    }

    void recentCallsSkipChangesAndComeOldestFirst()
    {
        test::TempHome home;
        AuditLog audit(home.filePath(QStringLiteral("audit.db")));
        for (const char *decision : {"allowed", "change", "denied", "allowed"}) {
            AuditRow row;
            row.agent = QStringLiteral("bot");
            row.service = QStringLiteral("api");
            row.method = QStringLiteral("GET");
            row.path = QStringLiteral("/items");
            row.decision = QString::fromLatin1(decision);
            QVERIFY(audit.append(row).ok());
        }
        AlertStore store(audit.path());
        const QList<AuditRow> calls = store.recentCalls(2).value();
        QCOMPARE(calls.size(), 2);
        QCOMPARE(calls[0].seq, qint64(3));
        QCOMPARE(calls[1].seq, qint64(4));
        QCOMPARE(calls[0].decision, QStringLiteral("denied"));
        QCOMPARE(store.recentCalls(100).value().size(), 3);
        QCOMPARE(store.lastSeq().value(), qint64(4));
    }

    void unwritableDatabaseIsAClearError()
    {
        test::TempHome home;
        QFile file(home.filePath(QStringLiteral("audit.db")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is not a database at all, not even close");
        file.close();
        AlertStore store(file.fileName());
        const auto opened = store.open();
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().code, QStringLiteral("audit_error"));
        QVERIFY2(opened.error().message.contains(QStringLiteral("move it aside")), qPrintable(opened.error().message));
    }
};

QTEST_GUILESS_MAIN(TestAlertStore)
#include "tst_alertstore.moc"
