// The Debian package, built by cpack from this build tree (installers/packaging.cmake) into a
// throwaway directory: its control fields (Depends computed by dpkg-shlibdeps), its exact file
// list and modes, a stripped binary, lintian without errors or warnings, the desktop entry and
// AppStream metadata validated, icons of the size their directory names, the man page and bash
// completion covering every command of `keyward --help`; then the package unpacked with
// `dpkg -x` into a throwaway root, where the unpacked keyward runs `--version`, `doctor --json`
// and `autostart on`.

#include "core/version.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <set>

using json = nlohmann::json;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return QStringLiteral("exit %1\nstdout:\n%2\nstderr:\n%3")
            .arg(exitCode)
            .arg(QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

Run run(const QString &program, const QStringList &args, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(),
        int timeoutMs = 120000)
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(program, args);
    if (!process.waitForStarted(10000))
        return Run{-1, {}, (program + QStringLiteral(" did not start: ") + process.errorString()).toUtf8()};
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        return Run{-1, process.readAllStandardOutput(), process.readAllStandardError() + "\n(timed out)"};
    }
    return Run{process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
               process.readAllStandardError()};
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QByteArray gunzip(const QString &path) { return run(QStringLiteral("gzip"), {QStringLiteral("-dc"), path}).out; }

// The width and height in a PNG's IHDR chunk, or {0, 0}.
QSize pngSize(const QString &path)
{
    const QByteArray bytes = readFile(path);
    if (bytes.size() < 24 || !bytes.startsWith("\x89PNG\r\n\x1a\n") || bytes.mid(12, 4) != "IHDR")
        return {};
    const auto be32 = [&](int at) {
        return int((uchar(bytes[at]) << 24) | (uchar(bytes[at + 1]) << 16) | (uchar(bytes[at + 2]) << 8) | uchar(bytes[at + 3]));
    };
    return {be32(16), be32(20)};
}

// The command names listed under "Commands:" in `keyward --help`.
QStringList helpCommands(const QByteArray &help)
{
    QStringList commands;
    static const QRegularExpression line(QStringLiteral("^  ([a-z][a-z-]*)  "));
    for (const QByteArray &raw : help.split('\n')) {
        const auto match = line.match(QString::fromUtf8(raw));
        if (match.hasMatch())
            commands << match.captured(1);
    }
    return commands;
}

const QString kAppId = QStringLiteral("io.github.keyward.Keyward");

} // namespace

class TestDebPackage : public QObject {
    Q_OBJECT

    QTemporaryDir m_work;
    QString m_deb;
    QString m_root;
    QString m_binary;
    QString m_version;

    QString unpacked(const QString &path) const { return m_root + path; }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_work.isValid());
        for (const char *tool : {"dpkg-deb", "dpkg-shlibdeps", "lintian", "desktop-file-validate", "appstreamcli"}) {
            QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(),
                     qPrintable(QStringLiteral("%1 is missing: run installers/bootstrap.sh --test").arg(QLatin1String(tool))));
        }
        m_version = QString::fromLatin1(keyward::kVersion) + QStringLiteral("-1");
        const QString arch = QString::fromUtf8(run(QStringLiteral("dpkg"), {QStringLiteral("--print-architecture")}).out).trimmed();
        QVERIFY(!arch.isEmpty());

        // The package from the already-built binary: cpack installs this build tree, no rebuild.
        const QString out = m_work.filePath(QStringLiteral("out"));
        const Run cpack = run(QStringLiteral(KEYWARD_CPACK),
                              {QStringLiteral("--config"), QStringLiteral(KEYWARD_BUILD_DIR "/CPackConfig.cmake"),
                               QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("-B"), out});
        QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.describe()));
        m_deb = out + QStringLiteral("/keyward_%1_%2.deb").arg(m_version, arch);
        QVERIFY2(QFileInfo::exists(m_deb), qPrintable(m_deb + QStringLiteral(" missing; cpack said:\n") + cpack.describe()));

        m_root = m_work.filePath(QStringLiteral("root"));
        const Run unpack = run(QStringLiteral("dpkg"), {QStringLiteral("-x"), m_deb, m_root});
        QVERIFY2(unpack.exitCode == 0, qPrintable(unpack.describe()));
        m_binary = unpacked(QStringLiteral("/usr/bin/keyward"));
    }

    void controlFieldsNameTheVersionAndComputedDependencies()
    {
        const Run info = run(QStringLiteral("dpkg-deb"), {QStringLiteral("--field"), m_deb});
        QVERIFY2(info.exitCode == 0, qPrintable(info.describe()));
        std::map<QString, QString> fields;
        QString last;
        for (const QByteArray &raw : info.out.split('\n')) {
            const QString line = QString::fromUtf8(raw);
            if (line.startsWith(u' ')) {
                fields[last] += u'\n' + line;
                continue;
            }
            const qsizetype colon = line.indexOf(u':');
            if (colon > 0)
                fields[last = line.left(colon)] = line.mid(colon + 1).trimmed();
        }
        QCOMPARE(fields[QStringLiteral("Package")], QStringLiteral("keyward"));
        QCOMPARE(fields[QStringLiteral("Version")], m_version);
        QCOMPARE(fields[QStringLiteral("Architecture")],
                 QString::fromUtf8(run(QStringLiteral("dpkg"), {QStringLiteral("--print-architecture")}).out).trimmed());
        QCOMPARE(fields[QStringLiteral("Section")], QStringLiteral("utils"));
        QCOMPARE(fields[QStringLiteral("Priority")], QStringLiteral("optional"));
        QVERIFY2(QRegularExpression(QStringLiteral("^[^<>]+ <[^@<>]+@[^@<>]+>$")).match(fields[QStringLiteral("Maintainer")]).hasMatch(),
                 qPrintable(fields[QStringLiteral("Maintainer")]));
        QVERIFY(fields[QStringLiteral("Description")].startsWith(QStringLiteral("MCP gate that keeps API keys away from AI agents\n ")));

        const QString depends = fields[QStringLiteral("Depends")];
        // Computed by dpkg-shlibdeps from the binary, with versions...
        for (const char *library : {"libc6 (>=", "libqt6core6 (>=", "libqt6network6 (>=", "libqt6widgets6 (>=",
                                    "libqt6httpserver6 (>=", "libqt6keychain1 (>=", "libsodium23 (>="})
            QVERIFY2(depends.contains(QLatin1String(library)), qPrintable(depends));
        // ...and what is loaded at run time, which it cannot see.
        for (const char *plugin : {"libqt6sql6-sqlite", "libqt6svg6", "libsecret-1-0"})
            QVERIFY2(depends.contains(QLatin1String(plugin)), qPrintable(depends));
    }

    void installsExactlyTheAppAndItsDesktopFiles()
    {
        const Run listing = run(QStringLiteral("dpkg-deb"), {QStringLiteral("--contents"), m_deb});
        QVERIFY2(listing.exitCode == 0, qPrintable(listing.describe()));
        std::map<QString, QString> files; // path → "mode owner"
        for (const QByteArray &raw : listing.out.split('\n')) {
            const QStringList parts = QString::fromUtf8(raw).split(u' ', Qt::SkipEmptyParts);
            if (parts.size() >= 6 && parts[0].startsWith(u'-'))
                files[parts[5].mid(1)] = parts[0] + u' ' + parts[1];
        }
        std::set<QString> expected = {
            QStringLiteral("/usr/bin/keyward"),
            QStringLiteral("/usr/share/applications/io.github.keyward.Keyward.desktop"),
            QStringLiteral("/usr/share/metainfo/io.github.keyward.Keyward.metainfo.xml"),
            QStringLiteral("/usr/share/icons/hicolor/scalable/apps/io.github.keyward.Keyward.svg"),
            QStringLiteral("/usr/share/man/man1/keyward.1.gz"),
            QStringLiteral("/usr/share/bash-completion/completions/keyward"),
            QStringLiteral("/usr/share/doc/keyward/copyright"),
            QStringLiteral("/usr/share/doc/keyward/changelog.Debian.gz"),
            QStringLiteral("/usr/share/lintian/overrides/keyward"),
        };
        for (const char *size : {"16x16", "22x22", "24x24", "32x32", "48x48", "64x64", "128x128", "256x256", "16x16@2",
                                 "24x24@2", "32x32@2", "48x48@2", "128x128@2"})
            expected.insert(QStringLiteral("/usr/share/icons/hicolor/%1/apps/io.github.keyward.Keyward.png").arg(QLatin1String(size)));

        std::set<QString> actual;
        for (const auto &[path, modeOwner] : files)
            actual.insert(path);
        QCOMPARE(QStringList(actual.begin(), actual.end()), QStringList(expected.begin(), expected.end()));
        for (const auto &[path, modeOwner] : files) {
            const QString want = path == QLatin1String("/usr/bin/keyward") ? QStringLiteral("-rwxr-xr-x root/root")
                                                                           : QStringLiteral("-rw-r--r-- root/root");
            QVERIFY2(modeOwner == want, qPrintable(path + u' ' + modeOwner));
        }
    }

    void theBinaryIsStripped()
    {
        const Run sections = run(QStringLiteral("readelf"), {QStringLiteral("--section-headers"), QStringLiteral("--wide"), m_binary});
        QVERIFY2(sections.exitCode == 0, qPrintable(sections.describe()));
        QVERIFY(sections.out.contains(".text"));
        QVERIFY2(!sections.out.contains(".debug_info") && !sections.out.contains(".symtab"), sections.out.constData());
    }

    void lintianFindsNoErrorsOrWarnings()
    {
        const Run lintian = run(QStringLiteral("lintian"), {QStringLiteral("--no-cfg"), m_deb});
        QStringList problems;
        for (const QByteArray &line : lintian.out.split('\n')) {
            if (line.startsWith("E: ") || line.startsWith("W: "))
                problems << QString::fromUtf8(line);
        }
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QVERIFY2(lintian.exitCode == 0, qPrintable(lintian.describe()));
    }

    void desktopEntryValidatesAndNamesTheInstalledBinaryAndIcon()
    {
        const QString entry = unpacked(QStringLiteral("/usr/share/applications/") + kAppId + QStringLiteral(".desktop"));
        const Run validate = run(QStringLiteral("desktop-file-validate"), {entry});
        QVERIFY2(validate.exitCode == 0 && !validate.out.contains("error"), qPrintable(validate.describe()));
        const QByteArray text = readFile(entry);
        QVERIFY(text.contains("\nExec=keyward\n"));
        QVERIFY(text.contains("\nIcon=io.github.keyward.Keyward\n"));
        QVERIFY(text.contains("\nCategories=Utility;Security;\n"));
    }

    void appstreamMetadataValidatesForThisRelease()
    {
        const QString metainfo = unpacked(QStringLiteral("/usr/share/metainfo/") + kAppId + QStringLiteral(".metainfo.xml"));
        const Run validate = run(QStringLiteral("appstreamcli"), {QStringLiteral("validate"), QStringLiteral("--no-net"), metainfo});
        QVERIFY2(validate.exitCode == 0, qPrintable(validate.describe()));
        const QByteArray text = readFile(metainfo);
        // The newest release (listed first) is this version; the launchable is the installed entry.
        const qsizetype release = text.indexOf("<release ");
        QVERIFY(release > 0);
        QVERIFY2(text.mid(release, 80).contains(QByteArray(QByteArray("version=\"") + keyward::kVersion + '"')), text.mid(release, 80).constData());
        QVERIFY(text.contains("<launchable type=\"desktop-id\">io.github.keyward.Keyward.desktop</launchable>"));
        QVERIFY(text.contains("<binary>keyward</binary>"));
    }

    void iconsHaveTheSizeTheirDirectoryNames()
    {
        QDirIterator it(unpacked(QStringLiteral("/usr/share/icons/hicolor")), {QStringLiteral("*.png")}, QDir::Files,
                        QDirIterator::Subdirectories);
        int count = 0;
        static const QRegularExpression sizeDir(QStringLiteral("/hicolor/(\\d+)x(\\d+)(@2)?/apps/"));
        while (it.hasNext()) {
            const QString path = it.next();
            const auto match = sizeDir.match(path);
            QVERIFY2(match.hasMatch(), qPrintable(path));
            const int scale = match.captured(3).isEmpty() ? 1 : 2;
            QCOMPARE(pngSize(path), QSize(match.captured(1).toInt() * scale, match.captured(2).toInt() * scale));
            ++count;
        }
        QCOMPARE(count, 13);
    }

    void changelogAndManPageCarryThisVersion()
    {
        const QByteArray changelog = gunzip(unpacked(QStringLiteral("/usr/share/doc/keyward/changelog.Debian.gz")));
        QVERIFY2(changelog.startsWith(QByteArray("keyward (" + m_version.toUtf8() + ") ")), changelog.left(80).constData());
        const QByteArray man = gunzip(unpacked(QStringLiteral("/usr/share/man/man1/keyward.1.gz")));
        QVERIFY2(man.contains("\n.TH KEYWARD 1 ") && man.contains(QByteArray(QByteArray("\"Keyward ") + keyward::kVersion + '"')),
                 man.left(400).constData());
    }

    void unpackedKeywardPrintsItsVersion()
    {
        const Run version = run(m_binary, {QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QCOMPARE(version.out, QByteArray("keyward ") + keyward::kVersion + '\n');
    }

    void manPageAndCompletionCoverEveryCommandOfHelp()
    {
        const Run help = run(m_binary, {QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        const QStringList commands = helpCommands(help.out);
        QVERIFY2(commands.size() >= 10, help.out.constData());

        const QByteArray man = gunzip(unpacked(QStringLiteral("/usr/share/man/man1/keyward.1.gz")));
        QStringList missingInMan;
        for (const QString &command : commands) {
            // Each command opens an entry of COMMANDS: `.B name` or `.BR "name ...`.
            const QRegularExpression entry(QStringLiteral("\n\\.TP\n\\.BR? \"?%1[ \"\n]").arg(QRegularExpression::escape(command)));
            if (!entry.match(QString::fromUtf8(man)).hasMatch())
                missingInMan << command;
        }
        QVERIFY2(missingInMan.isEmpty(), qPrintable(QStringLiteral("not in keyward.1: ") + missingInMan.join(u' ')));

        // What bash offers after `keyward <TAB>`, with bash-completion's helpers loaded.
        const QString helpers = QStringLiteral("/usr/share/bash-completion/bash_completion");
        QVERIFY2(QFileInfo::exists(helpers), "bash-completion is missing: run installers/bootstrap.sh --test");
        const QString script = QStringLiteral("source %1; source %2; COMP_WORDS=(keyward ''); COMP_CWORD=1; "
                                              "COMP_LINE='keyward '; COMP_POINT=8; _keyward keyward '' keyward; "
                                              "printf '%s\\n' \"${COMPREPLY[@]}\"")
                                   .arg(helpers, unpacked(QStringLiteral("/usr/share/bash-completion/completions/keyward")));
        const Run completion = run(QStringLiteral("bash"), {QStringLiteral("-c"), script});
        QVERIFY2(completion.exitCode == 0, qPrintable(completion.describe()));
        const QStringList offered = QString::fromUtf8(completion.out).split(u'\n', Qt::SkipEmptyParts);
        QStringList missingInCompletion;
        for (const QString &command : commands) {
            if (!offered.contains(command))
                missingInCompletion << command;
        }
        QVERIFY2(missingInCompletion.isEmpty(),
                 qPrintable(QStringLiteral("not completed: ") + missingInCompletion.join(u' ') + QStringLiteral("\noffered: ") +
                            offered.join(u' ')));
    }

    void unpackedDoctorPrintsItsChecksAsJson()
    {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KEYWARD_HOME"), home.path());
        const Run doctor = run(m_binary, {QStringLiteral("doctor"), QStringLiteral("--json")}, env);
        // A check may fail on this machine (exit 1), but the report is always complete JSON.
        QVERIFY2(doctor.exitCode == 0 || doctor.exitCode == 1, qPrintable(doctor.describe()));
        const json report = json::parse(doctor.out.toStdString(), nullptr, false);
        QVERIFY2(report.is_object() && report.contains("ok") && report["ok"].is_boolean(), qPrintable(doctor.describe()));
        QVERIFY(report["checks"].is_array() && !report["checks"].empty());
        bool allOk = true;
        for (const json &check : report["checks"]) {
            QVERIFY2(check["name"].is_string() && check["ok"].is_boolean() && check["message"].is_string() &&
                         check.contains("fix"),
                     check.dump().c_str());
            allOk = allOk && check["ok"].get<bool>();
        }
        QCOMPARE(report["ok"].get<bool>(), allOk);
        QCOMPARE(doctor.exitCode, allOk ? 0 : 1);
    }

    void unpackedAutostartStartsTheUnpackedBinary()
    {
        QTemporaryDir config;
        QVERIFY(config.isValid());
        QTemporaryDir home;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KEYWARD_HOME"), home.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
        const Run on = run(m_binary, {QStringLiteral("autostart"), QStringLiteral("on")}, env);
        QVERIFY2(on.exitCode == 0, qPrintable(on.describe()));
        const QString entry = config.filePath(QStringLiteral("autostart/io.github.keyward.Keyward.desktop"));
        QVERIFY2(readFile(entry).contains(QByteArray("\nExec=" + m_binary.toUtf8() + '\n')), readFile(entry).constData());
        const Run validate = run(QStringLiteral("desktop-file-validate"), {entry});
        QVERIFY2(validate.exitCode == 0 && !validate.out.contains("error"), qPrintable(validate.describe()));
    }
};

QTEST_GUILESS_MAIN(TestDebPackage)
#include "tst_deb_package.moc"
