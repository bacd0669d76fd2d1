// Start at login on Linux: the XDG autostart entry under $XDG_CONFIG_HOME/autostart (or
// $HOME/.config), its Exec line quoted per the Desktop Entry Specification, entries the desktop
// switched off read as off, and clear errors when the entry cannot be written.

#include "platform/autostart.h"

#include "support/temphome.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <memory>

using namespace keyward;

namespace {

const QString kEntryName = QStringLiteral("io.github.keyward.Keyward.desktop");

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

// The value of `key` in the entry text, or a null string.
QString keyValue(const QByteArray &entry, const QString &key)
{
    const QStringList lines = QString::fromUtf8(entry).split(u'\n');
    for (const QString &line : lines) {
        if (line.startsWith(key + u'='))
            return line.mid(key.size() + 1);
    }
    return {};
}

} // namespace

class TestAutostart : public QObject {
    Q_OBJECT

    std::unique_ptr<test::TempHome> m_dir;
    QByteArray m_savedXdg;
    QByteArray m_savedHome;

    QString configHome() const { return m_dir->filePath(QStringLiteral("config")); }
    QString entryPath() const { return configHome() + QStringLiteral("/autostart/") + kEntryName; }

private Q_SLOTS:
    void initTestCase()
    {
        m_savedXdg = qgetenv("XDG_CONFIG_HOME");
        m_savedHome = qgetenv("HOME");
    }

    void init()
    {
        m_dir = std::make_unique<test::TempHome>();
        QVERIFY(m_dir->isValid());
        qputenv("XDG_CONFIG_HOME", configHome().toUtf8());
        qputenv("HOME", m_dir->filePath(QStringLiteral("home")).toUtf8());
    }

    void cleanupTestCase()
    {
        qputenv("XDG_CONFIG_HOME", m_savedXdg);
        qputenv("HOME", m_savedHome);
    }

    void isOffUntilEnabled()
    {
        const Autostart autostart(QStringLiteral("/usr/bin/keyward"));
        QCOMPARE(autostart.location(), entryPath());
        const auto enabled = autostart.isEnabled();
        QVERIFY(enabled.ok());
        QCOMPARE(enabled.value(), false);
        QVERIFY(!QFileInfo::exists(configHome()));
    }

    void enablingWritesTheEntryThatStartsTheTray()
    {
        const Autostart autostart(QStringLiteral("/usr/bin/keyward"));
        const auto written = autostart.setEnabled(true);
        QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().message));

        const QByteArray entry = readFile(entryPath());
        QVERIFY(entry.startsWith("[Desktop Entry]\n"));
        QCOMPARE(keyValue(entry, QStringLiteral("Type")), QStringLiteral("Application"));
        QCOMPARE(keyValue(entry, QStringLiteral("Exec")), QStringLiteral("/usr/bin/keyward"));
        QCOMPARE(keyValue(entry, QStringLiteral("Icon")), QStringLiteral("io.github.keyward.Keyward"));
        QCOMPARE(keyValue(entry, QStringLiteral("X-GNOME-Autostart-enabled")), QStringLiteral("true"));
        QCOMPARE(autostart.isEnabled().value(), true);
    }

    void disablingRemovesTheEntry()
    {
        const Autostart autostart(QStringLiteral("/usr/bin/keyward"));
        QVERIFY(autostart.setEnabled(true).ok());
        QVERIFY(QFileInfo::exists(entryPath()));
        QVERIFY(autostart.setEnabled(false).ok());
        QVERIFY(!QFileInfo::exists(entryPath()));
        QCOMPARE(autostart.isEnabled().value(), false);
        // Switching off what is already off is not an error.
        QVERIFY(autostart.setEnabled(false).ok());
    }

    void otherEntriesAreLeftAlone()
    {
        QVERIFY(QDir().mkpath(configHome() + QStringLiteral("/autostart")));
        const QString other = configHome() + QStringLiteral("/autostart/org.example.Other.desktop");
        QVERIFY(writeFile(other, "[Desktop Entry]\nType=Application\nName=Other\nExec=other\n"));
        const Autostart autostart(QStringLiteral("/usr/bin/keyward"));
        QVERIFY(autostart.setEnabled(true).ok());
        QVERIFY(autostart.setEnabled(false).ok());
        QCOMPARE(readFile(other), QByteArray("[Desktop Entry]\nType=Application\nName=Other\nExec=other\n"));
    }

    void withoutXdgConfigHomeTheEntryGoesUnderHome_data()
    {
        QTest::addColumn<QByteArray>("xdgConfigHome");
        QTest::newRow("unset") << QByteArray();
        QTest::newRow("relative, so invalid") << QByteArray("relative/config");
    }

    void withoutXdgConfigHomeTheEntryGoesUnderHome()
    {
        QFETCH(QByteArray, xdgConfigHome);
        if (xdgConfigHome.isNull())
            qunsetenv("XDG_CONFIG_HOME");
        else
            qputenv("XDG_CONFIG_HOME", xdgConfigHome);
        const QString expected = m_dir->filePath(QStringLiteral("home")) + QStringLiteral("/.config/autostart/") + kEntryName;
        const Autostart autostart(QStringLiteral("/usr/bin/keyward"));
        QCOMPARE(autostart.location(), expected);
        QVERIFY(autostart.setEnabled(true).ok());
        QVERIFY(QFileInfo::exists(expected));
    }

    void execQuotesThePathPerTheDesktopEntrySpec_data()
    {
        QTest::addColumn<QString>("executable");
        QTest::addColumn<QString>("exec");
        QTest::newRow("plain") << QStringLiteral("/opt/keyward/bin/keyward") << QStringLiteral("/opt/keyward/bin/keyward");
        QTest::newRow("space") << QStringLiteral("/opt/My Apps/keyward") << QStringLiteral("\"/opt/My Apps/keyward\"");
        QTest::newRow("percent") << QStringLiteral("/opt/100%/keyward") << QStringLiteral("/opt/100%%/keyward");
        QTest::newRow("dollar") << QStringLiteral("/opt/a$b/keyward") << QStringLiteral("\"/opt/a\\\\$b/keyward\"");
        QTest::newRow("double quote") << QStringLiteral("/opt/say \"hi\"/keyward")
                                      << QStringLiteral("\"/opt/say \\\\\"hi\\\\\"/keyward\"");
        QTest::newRow("backslash") << QStringLiteral("/opt/back\\slash/keyward")
                                   << QStringLiteral("\"/opt/back\\\\\\\\slash/keyward\"");
    }

    void execQuotesThePathPerTheDesktopEntrySpec()
    {
        QFETCH(QString, executable);
        QFETCH(QString, exec);
        const Autostart autostart(executable);
        QVERIFY(autostart.setEnabled(true).ok());
        QCOMPARE(keyValue(readFile(entryPath()), QStringLiteral("Exec")), exec);

        // The desktop's own validator accepts the entry.
        const QString validator = QStandardPaths::findExecutable(QStringLiteral("desktop-file-validate"));
        if (validator.isEmpty())
            QSKIP("desktop-file-validate is not installed (installers/bootstrap.sh --test installs it)");
        QProcess validate;
        validate.start(validator, {entryPath()});
        QVERIFY(validate.waitForFinished(30000));
        const QByteArray report = validate.readAllStandardOutput() + validate.readAllStandardError();
        QVERIFY2(validate.exitCode() == 0 && !report.contains("error"), report.constData());
    }

    void anEntryTheDesktopSwitchedOffReadsAsOff_data()
    {
        QTest::addColumn<QByteArray>("entry");
        QTest::addColumn<bool>("enabled");
        const QByteArray head = "[Desktop Entry]\nType=Application\nName=Keyward\nExec=/usr/bin/keyward\n";
        QTest::newRow("plain entry") << head << true;
        QTest::newRow("GNOME switch off") << head + "X-GNOME-Autostart-enabled=false\n" << false;
        QTest::newRow("GNOME switch on") << head + "X-GNOME-Autostart-enabled=true\n" << true;
        QTest::newRow("hidden") << head + "Hidden=true\n" << false;
        QTest::newRow("hidden in another group") << head + "[Desktop Action x]\nHidden=true\n" << true;
    }

    void anEntryTheDesktopSwitchedOffReadsAsOff()
    {
        QFETCH(QByteArray, entry);
        QFETCH(bool, enabled);
        QVERIFY(QDir().mkpath(configHome() + QStringLiteral("/autostart")));
        QVERIFY(writeFile(entryPath(), entry));
        const Autostart autostart(QStringLiteral("/usr/bin/keyward"));
        QCOMPARE(autostart.isEnabled().value(), enabled);

        // Enabling rewrites it switched on.
        QVERIFY(autostart.setEnabled(true).ok());
        QCOMPARE(autostart.isEnabled().value(), true);
        QCOMPARE(keyValue(readFile(entryPath()), QStringLiteral("X-GNOME-Autostart-enabled")), QStringLiteral("true"));
    }

    void unusableExecutablesAreRefused_data()
    {
        QTest::addColumn<QString>("executable");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("relative") << QStringLiteral("bin/keyward") << QStringLiteral("absolute path");
        QTest::newRow("empty") << QString() << QStringLiteral("absolute path");
        QTest::newRow("line break") << QStringLiteral("/opt/a\nb/keyward") << QStringLiteral("line break");
    }

    void unusableExecutablesAreRefused()
    {
        QFETCH(QString, executable);
        QFETCH(QString, messagePart);
        const Autostart autostart(executable);
        const auto written = autostart.setEnabled(true);
        QVERIFY(!written.ok());
        QCOMPARE(written.error().code, QStringLiteral("autostart_error"));
        QVERIFY2(written.error().message.contains(messagePart), qPrintable(written.error().message));
        QVERIFY(!QFileInfo::exists(entryPath()));
    }

    void anUnwritableLocationIsAClearError()
    {
        // A file where the autostart directory belongs (works even as root, unlike a mode).
        QVERIFY(QDir().mkpath(configHome()));
        QVERIFY(writeFile(configHome() + QStringLiteral("/autostart"), "not a directory"));
        const Autostart autostart(QStringLiteral("/usr/bin/keyward"));
        const auto written = autostart.setEnabled(true);
        QVERIFY(!written.ok());
        QCOMPARE(written.error().code, QStringLiteral("autostart_error"));
        QVERIFY2(written.error().message.contains(configHome() + QStringLiteral("/autostart")),
                 qPrintable(written.error().message));
    }

    void anUnreadableEntryIsAClearError()
    {
        // A directory where the entry belongs.
        QVERIFY(QDir().mkpath(entryPath()));
        const Autostart autostart(QStringLiteral("/usr/bin/keyward"));
        const auto enabled = autostart.isEnabled();
        QVERIFY(!enabled.ok());
        QCOMPARE(enabled.error().code, QStringLiteral("autostart_error"));
        QVERIFY2(enabled.error().message.contains(entryPath()), qPrintable(enabled.error().message));
        const auto removed = autostart.setEnabled(false);
        QVERIFY(!removed.ok());
        QVERIFY2(removed.error().message.contains(entryPath()), qPrintable(removed.error().message));
    }
};

QTEST_GUILESS_MAIN(TestAutostart)
#include "tst_autostart.moc"
