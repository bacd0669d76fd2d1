// End to end: `keyward autostart on|off|status` writes and removes the XDG autostart entry under
// $XDG_CONFIG_HOME (a temporary directory here), the entry starts this very binary, and `status`
// follows the desktop switching the entry off.

#include "support/e2eprocess.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QFileInfo>
#include <QtTest>

using json = nlohmann::json;
using keyward::test::CliRun;
using keyward::test::TempHome;
using keyward::test::runKeyward;

namespace {

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

json parsed(const QByteArray &text) { return json::parse(text.toStdString(), nullptr, false); }

} // namespace

class TestAutostartCli : public QObject {
    Q_OBJECT

    TempHome m_config;
    QString m_entry;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_config.isValid());
        // runKeyward passes this process's environment on.
        qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
        m_entry = m_config.filePath(QStringLiteral("autostart/io.github.keyward.Keyward.desktop"));
    }

    void cleanup() { QFile::remove(m_entry); }

    void onWritesAnEntryThatStartsThisBinaryAndOffRemovesIt()
    {
        TempHome home;
        const CliRun status = runKeyward(home, {QStringLiteral("autostart"), QStringLiteral("status"), QStringLiteral("--json")});
        QCOMPARE(status.exitCode, 0);
        QCOMPARE(parsed(status.out), json({{"enabled", false}, {"location", m_entry.toStdString()}}));

        const CliRun on = runKeyward(home, {QStringLiteral("autostart"), QStringLiteral("on")});
        QVERIFY2(on.exitCode == 0, on.err.constData());
        QVERIFY2(on.err.contains("starts at login"), on.err.constData());
        const QByteArray entry = readFile(m_entry);
        QVERIFY2(entry.contains("\nExec=" KEYWARD_BINARY "\n"), entry.constData());
        QVERIFY(entry.contains("\nX-GNOME-Autostart-enabled=true\n"));

        const CliRun onStatus = runKeyward(home, {QStringLiteral("autostart"), QStringLiteral("status")});
        QCOMPARE(onStatus.exitCode, 0);
        QCOMPARE(onStatus.out, QByteArray("on (") + m_entry.toUtf8() + ")\n");

        const CliRun off = runKeyward(home, {QStringLiteral("autostart"), QStringLiteral("off"), QStringLiteral("--json")});
        QCOMPARE(off.exitCode, 0);
        QCOMPARE(parsed(off.out)["enabled"], json(false));
        QVERIFY(!QFileInfo::exists(m_entry));
    }

    void anEntrySwitchedOffByTheDesktopShowsAsOff()
    {
        TempHome home;
        QCOMPARE(runKeyward(home, {QStringLiteral("autostart"), QStringLiteral("on")}).exitCode, 0);
        QFile file(m_entry);
        QVERIFY(file.open(QIODevice::Append));
        file.write("Hidden=true\n");
        file.close();
        const CliRun status = runKeyward(home, {QStringLiteral("autostart"), QStringLiteral("status"), QStringLiteral("--json")});
        QCOMPARE(status.exitCode, 0);
        QCOMPARE(parsed(status.out)["enabled"], json(false));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("no action") << QStringList{QStringLiteral("autostart")};
        QTest::newRow("unknown action") << QStringList{QStringLiteral("autostart"), QStringLiteral("maybe")};
        QTest::newRow("extra argument") << QStringList{QStringLiteral("autostart"), QStringLiteral("on"), QStringLiteral("now")};
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        TempHome home;
        const CliRun run = runKeyward(home, args + QStringList{QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(parsed(run.out)["error"]["code"], json("usage"));
        QVERIFY(!QFileInfo::exists(m_entry));
    }

    void anUnwritableLocationFailsWithTheReason()
    {
        TempHome home;
        QFile blocker(m_config.filePath(QStringLiteral("autostart")));
        QVERIFY(!QFileInfo::exists(blocker.fileName()) || QDir(blocker.fileName()).removeRecursively());
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        const CliRun on = runKeyward(home, {QStringLiteral("autostart"), QStringLiteral("on"), QStringLiteral("--json")});
        QFile::remove(blocker.fileName());
        QCOMPARE(on.exitCode, 1);
        const json error = parsed(on.out)["error"];
        QCOMPARE(error["code"], json("autostart_error"));
        QVERIFY2(QString::fromStdString(error["message"].get<std::string>()).contains(blocker.fileName()), on.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestAutostartCli)
#include "tst_autostart_cli.moc"
