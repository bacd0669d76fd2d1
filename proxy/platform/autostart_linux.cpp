// Autostart on Linux and other XDG desktops: a desktop entry in the user's autostart directory
// (XDG Autostart Specification), read by GNOME, KDE, Xfce and the other session managers.

#include "platform/autostart.h"

#include "core/version.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace keyward {

namespace {

const QString kErrorCode = QStringLiteral("autostart_error");

QString autostartDir()
{
    // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and ignored.
    const QString xdg = qEnvironmentVariable("XDG_CONFIG_HOME");
    const QString config = QDir::isAbsolutePath(xdg) ? xdg : QDir::homePath() + QStringLiteral("/.config");
    return QDir::cleanPath(config + QStringLiteral("/autostart"));
}

QString entryPath() { return autostartDir() + u'/' + QString::fromLatin1(kAppId) + QStringLiteral(".desktop"); }

// `path` as one argument of an Exec key (Desktop Entry Specification, "The Exec key"): quoted
// when it holds a reserved character, with `"`, `` ` ``, `$` and `\` escaped inside the quotes
// and `%` doubled; then the string-value escaping of the whole key (`\` doubled once more).
QString execArgument(const QString &path)
{
    static const QString reserved = QStringLiteral(" \t\"'\\><~|&;$*?#()`");
    bool needsQuotes = false;
    for (const QChar c : path)
        needsQuotes = needsQuotes || reserved.contains(c);
    QString argument;
    if (needsQuotes) {
        argument += u'"';
        for (const QChar c : path) {
            if (c == u'"' || c == u'`' || c == u'$' || c == u'\\')
                argument += u'\\';
            argument += c;
        }
        argument += u'"';
    } else {
        argument = path;
    }
    argument.replace(u'%', QStringLiteral("%%"));
    argument.replace(u'\\', QStringLiteral("\\\\"));
    return argument;
}

QString entryText(const QString &executable)
{
    return QStringLiteral("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Keyward\n"
                          "Comment=Keeps API keys away from AI agents\n"
                          "Exec=%1\n"
                          "Icon=%2\n"
                          "Terminal=false\n"
                          "X-GNOME-Autostart-enabled=true\n")
        .arg(execArgument(executable), QString::fromLatin1(kAppId));
}

} // namespace

Autostart::Autostart(QString executable) : m_executable(std::move(executable)) {}

QString Autostart::location() const { return entryPath(); }

Result<bool> Autostart::isEnabled() const
{
    const QString path = entryPath();
    const QFileInfo info(path);
    if (!info.exists())
        return false;
    QFile file(path);
    if (!info.isFile() || !file.open(QIODevice::ReadOnly)) {
        return Error{kErrorCode, QStringLiteral("cannot read the autostart entry %1 (%2): remove it or make it a "
                                                "readable file")
                                     .arg(path, info.isFile() ? file.errorString() : QStringLiteral("not a file"))};
    }
    // Keys of the [Desktop Entry] group only; the desktop's startup settings switch an entry off
    // with Hidden=true (every desktop) or X-GNOME-Autostart-enabled=false (GNOME and others).
    bool inMainGroup = false;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.startsWith(u'[')) {
            inMainGroup = line == QLatin1String("[Desktop Entry]");
            continue;
        }
        if (!inMainGroup)
            continue;
        const qsizetype equals = line.indexOf(u'=');
        if (equals < 0)
            continue;
        const QString key = line.left(equals).trimmed();
        const QString value = line.mid(equals + 1).trimmed();
        if (key == QLatin1String("Hidden") && value == QLatin1String("true"))
            return false;
        if (key == QLatin1String("X-GNOME-Autostart-enabled") && value == QLatin1String("false"))
            return false;
    }
    return true;
}

Result<void> Autostart::setEnabled(bool enabled) const
{
    const QString path = entryPath();
    if (!enabled) {
        const QFileInfo info(path);
        if (!info.exists() && !info.isSymLink())
            return {};
        QFile file(path);
        if (!file.remove()) {
            return Error{kErrorCode, QStringLiteral("cannot remove the autostart entry %1 (%2): remove it by hand")
                                         .arg(path, file.errorString())};
        }
        return {};
    }

    if (!QDir::isAbsolutePath(m_executable)) {
        return Error{kErrorCode, QStringLiteral("the program to start at login must be an absolute path, not '%1'")
                                     .arg(m_executable)};
    }
    if (m_executable.contains(u'\n') || m_executable.contains(u'\r')) {
        return Error{kErrorCode, QStringLiteral("the path of the keyward program holds a line break, which an "
                                                "autostart entry cannot hold: move the program to a plain path")};
    }
    const QString dir = autostartDir();
    if (!QDir().mkpath(dir)) {
        return Error{kErrorCode, QStringLiteral("cannot create the autostart directory %1: check that it is a "
                                                "writable directory")
                                     .arg(dir)};
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return Error{kErrorCode, QStringLiteral("cannot write the autostart entry %1 (%2): check that %3 is a "
                                                "writable directory")
                                     .arg(path, file.errorString(), dir)};
    }
    file.write(entryText(m_executable).toUtf8());
    if (!file.commit()) {
        return Error{kErrorCode,
                     QStringLiteral("cannot write the autostart entry %1 (%2)").arg(path, file.errorString())};
    }
    return {};
}

} // namespace keyward
