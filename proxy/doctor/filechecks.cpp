#include "doctor/checks.h"

#include "config/configfile.h"
#include "config/configjson.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>

#if defined(Q_OS_UNIX)
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace keyward::doctor_checks {

namespace {

const QString kHomeName = QString::fromLatin1(kHome);
const QString kConfigName = QString::fromLatin1(kConfig);

QStringList unique(const QStringList &paths)
{
    QStringList result;
    for (const QString &path : paths) {
        if (!path.isEmpty() && !result.contains(path))
            result.append(path);
    }
    return result;
}

#if defined(Q_OS_UNIX)

QString octal(unsigned mode) { return QStringLiteral("%1").arg(mode, 4, 8, QLatin1Char('0')); }

struct Findings {
    QStringList problems;
    QStringList fixes;

    void inspect(const QString &path, bool directory)
    {
        struct stat info {};
        if (::stat(QFile::encodeName(path).constData(), &info) != 0)
            return;
        if (directory != S_ISDIR(info.st_mode)) {
            problems.append(QStringLiteral("%1 is not a %2").arg(path, directory ? QStringLiteral("directory")
                                                                                  : QStringLiteral("regular file")));
            fixes.append(QStringLiteral("move %1 out of the way").arg(shellQuote(path)));
            return;
        }
        if (info.st_uid != ::geteuid()) {
            problems.append(QStringLiteral("%1 belongs to user id %2, not to you (%3)").arg(path).arg(info.st_uid).arg(::geteuid()));
            fixes.append(QStringLiteral("chown \"$(id -un)\" %1").arg(shellQuote(path)));
        }
        const unsigned mode = unsigned(info.st_mode) & 07777u;
        const unsigned wanted = directory ? 0700u : 0600u;
        if (mode != wanted) {
            problems.append(QStringLiteral("%1 has mode %2, not %3").arg(path, octal(mode), octal(wanted)));
            fixes.append(QStringLiteral("chmod %1 %2").arg(QString::number(wanted, 8), shellQuote(path)));
        }
    }
};

#endif

// "1 service", "2 services".
QString counted(std::size_t n, const char *noun)
{
    return QStringLiteral("%1 %2%3").arg(n).arg(QLatin1String(noun), n == 1 ? QString() : QStringLiteral("s"));
}

} // namespace

QString shellQuote(const QString &path)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_./:@%+=,-]+$"));
    if (safe.match(path).hasMatch())
        return path;
    QString quoted = path;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

DoctorCheck home(const KeywardHome &home)
{
    const QStringList dirs = home.isExplicit() ? unique({home.homeDir(), home.runDir()})
                                               : unique({home.configDir(), home.dataDir(), home.runDir()});
    const QString described = home.isExplicit() ? QStringLiteral("KEYWARD_HOME (%1)").arg(home.homeDir())
                                                : QStringLiteral("%1 and %2").arg(home.configDir(), home.dataDir());

    if (home.isExplicit() && QFileInfo::exists(home.homeDir()) && !QFileInfo(home.homeDir()).isDir()) {
        return DoctorCheck::fail(kHomeName, QStringLiteral("KEYWARD_HOME (%1) is not a directory").arg(home.homeDir()),
                                 QStringLiteral("point KEYWARD_HOME at a directory (it is created on first use)"));
    }
    const bool anyExists = std::any_of(dirs.cbegin(), dirs.cend(), [](const QString &dir) { return QFileInfo::exists(dir); });
    if (!anyExists)
        return DoctorCheck::pass(kHomeName, QStringLiteral("%1 does not exist yet; it will be created on first use").arg(described));

#if defined(Q_OS_UNIX)
    Findings findings;
    for (const QString &dir : dirs)
        findings.inspect(dir, true);
    const QStringList files = unique({home.configFile(), home.configFile() + QStringLiteral(".bak"), home.stateFile(),
                                      home.auditDatabase(), home.logFile()});
    for (const QString &file : files)
        findings.inspect(file, false);
    if (!findings.problems.isEmpty()) {
        return DoctorCheck::fail(kHomeName, findings.problems.join(QStringLiteral("; ")),
                                 findings.fixes.join(QStringLiteral(" && ")));
    }
    return DoctorCheck::pass(kHomeName, QStringLiteral("%1 is yours alone (directories 0700, files 0600)").arg(described));
#else
    return DoctorCheck::pass(kHomeName, QStringLiteral("%1 exists").arg(described));
#endif
}

DoctorCheck config(const KeywardHome &home)
{
    const QString path = home.configFile();
    if (!QFileInfo::exists(path))
        return DoctorCheck::pass(kConfigName, QStringLiteral("no config yet (%1 is created when you add a service)").arg(path));

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return DoctorCheck::fail(kConfigName, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()),
                                 QStringLiteral("make it readable by you: chmod 600 %1").arg(shellQuote(path)));
    }
    const Result<nlohmann::json> parsed = parseConfigText(file.readAll());
    if (parsed) {
        const long long version = parsed->at("version").get<long long>();
        if (version == kConfigVersion) {
            const Result<Config> loaded = configFromJson(*parsed);
            if (loaded) {
                return DoctorCheck::pass(kConfigName, QStringLiteral("%1 is valid (version %2): %3, %4")
                                                          .arg(path)
                                                          .arg(version)
                                                          .arg(counted(loaded->services.size(), "service"),
                                                               counted(loaded->agents.size(), "agent")));
            }
            const QString backup = path + QStringLiteral(".bak");
            return DoctorCheck::fail(
                kConfigName, QStringLiteral("%1: %2").arg(path, loaded.error().message),
                QStringLiteral("edit the file to match the documented format, or restore config.json.bak%1")
                    .arg(QFileInfo::exists(backup) ? QStringLiteral(" (cp %1 %2)").arg(shellQuote(backup), shellQuote(path))
                                                   : QString()));
        }
        return DoctorCheck::fail(kConfigName,
                                 QStringLiteral("%1: /version is %2, but this Keyward reads version %3")
                                     .arg(path)
                                     .arg(version)
                                     .arg(kConfigVersion),
                                 QStringLiteral("upgrade Keyward to the version that wrote the file, or restore "
                                                "config.json.bak"));
    }

    const QString backup = shellQuote(path + QStringLiteral(".bak"));
    const QString restore = QFileInfo::exists(path + QStringLiteral(".bak"))
        ? QStringLiteral(" (cp %1 %2)").arg(backup, shellQuote(path))
        : QString();
    if (parsed.error().code == QLatin1String(config_errors::kSyntax)) {
        return DoctorCheck::fail(kConfigName, QStringLiteral("%1 is not valid JSON: %2").arg(path, parsed.error().message),
                                 QStringLiteral("correct the file, or restore config.json.bak%1").arg(restore));
    }
    return DoctorCheck::fail(kConfigName, QStringLiteral("%1: %2").arg(path, parsed.error().message),
                             QStringLiteral("edit the file to match the documented format, or restore config.json.bak%1")
                                 .arg(restore));
}

} // namespace keyward::doctor_checks
