// Autostart on macOS: a per-user LaunchAgent that launchd starts at login (RunAtLoad). The plist is
// read by launchd at the next login; nothing is loaded into the running session now.

#include "platform/autostart.h"

#include "core/version.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QXmlStreamReader>

namespace keyward {

namespace {

const QString kErrorCode = QStringLiteral("autostart_error");

QString agentsDir() { return QDir::homePath() + QStringLiteral("/Library/LaunchAgents"); }

QString plistPath() { return agentsDir() + u'/' + QString::fromLatin1(kAppId) + QStringLiteral(".plist"); }

QString xmlEscaped(const QString &text) { return text.toHtmlEscaped(); }

QString plistText(const QString &executable)
{
    return QStringLiteral("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                          "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                          "<plist version=\"1.0\">\n"
                          "<dict>\n"
                          "  <key>Label</key>\n"
                          "  <string>%1</string>\n"
                          "  <key>ProgramArguments</key>\n"
                          "  <array>\n"
                          "    <string>%2</string>\n"
                          "  </array>\n"
                          "  <key>RunAtLoad</key>\n"
                          "  <true/>\n"
                          "  <key>ProcessType</key>\n"
                          "  <string>Interactive</string>\n"
                          "</dict>\n"
                          "</plist>\n")
        .arg(QString::fromLatin1(kAppId), xmlEscaped(executable));
}

// The value of the top-level `Disabled` key: true when it is <true/>.
bool disabledKeySet(QIODevice &file)
{
    QXmlStreamReader xml(&file);
    int dictDepth = 0;
    bool nextIsDisabled = false;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            if (xml.name() == QLatin1String("dict")) {
                ++dictDepth;
            } else if (dictDepth == 1 && xml.name() == QLatin1String("key")) {
                nextIsDisabled = xml.readElementText() == QLatin1String("Disabled");
            } else if (dictDepth == 1 && nextIsDisabled) {
                return xml.name() == QLatin1String("true");
            }
        } else if (xml.isEndElement() && xml.name() == QLatin1String("dict")) {
            --dictDepth;
        }
    }
    return false;
}

} // namespace

Autostart::Autostart(QString executable) : m_executable(std::move(executable)) {}

QString Autostart::location() const { return plistPath(); }

Result<bool> Autostart::isEnabled() const
{
    const QString path = plistPath();
    const QFileInfo info(path);
    if (!info.exists())
        return false;
    QFile file(path);
    if (!info.isFile() || !file.open(QIODevice::ReadOnly)) {
        return Error{kErrorCode, QStringLiteral("cannot read the LaunchAgent %1 (%2): remove it or make it a "
                                                "readable file")
                                     .arg(path, info.isFile() ? file.errorString() : QStringLiteral("not a file"))};
    }
    return !disabledKeySet(file);
}

Result<void> Autostart::setEnabled(bool enabled) const
{
    const QString path = plistPath();
    if (!enabled) {
        const QFileInfo info(path);
        if (!info.exists() && !info.isSymLink())
            return {};
        QFile file(path);
        if (!file.remove()) {
            return Error{kErrorCode, QStringLiteral("cannot remove the LaunchAgent %1 (%2): remove it by hand")
                                         .arg(path, file.errorString())};
        }
        return {};
    }

    if (!QDir::isAbsolutePath(m_executable)) {
        return Error{kErrorCode, QStringLiteral("the program to start at login must be an absolute path, not '%1'")
                                     .arg(m_executable)};
    }
    if (m_executable.contains(u'\n') || m_executable.contains(u'\r')) {
        return Error{kErrorCode, QStringLiteral("the path of the keyward program holds a line break: move the "
                                                "program to a plain path")};
    }
    const QString dir = agentsDir();
    if (!QDir().mkpath(dir)) {
        return Error{kErrorCode,
                     QStringLiteral("cannot create %1: check that it is a writable directory").arg(dir)};
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return Error{kErrorCode, QStringLiteral("cannot write the LaunchAgent %1 (%2): check that %3 is a writable "
                                                "directory")
                                     .arg(path, file.errorString(), dir)};
    }
    file.write(plistText(m_executable).toUtf8());
    if (!file.commit())
        return Error{kErrorCode, QStringLiteral("cannot write the LaunchAgent %1 (%2)").arg(path, file.errorString())};
    return {};
}

} // namespace keyward
