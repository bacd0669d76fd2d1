// Autostart on Windows: a value under the current user's Run key, which Explorer starts at login
// (the same switch the Task Manager's Startup tab shows).

#include "platform/autostart.h"

#include "core/version.h"

#include <QDir>
#include <QSettings>

namespace keyward {

namespace {

const QString kErrorCode = QStringLiteral("autostart_error");
const QString kRunKey = QStringLiteral("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");

QString valueName() { return QString::fromLatin1(kAppId); }

QString statusText(QSettings::Status status)
{
    return status == QSettings::AccessError ? QStringLiteral("access denied") : QStringLiteral("format error");
}

} // namespace

Autostart::Autostart(QString executable) : m_executable(std::move(executable)) {}

QString Autostart::location() const { return kRunKey + u'\\' + valueName(); }

Result<bool> Autostart::isEnabled() const
{
    const QSettings run(kRunKey, QSettings::NativeFormat);
    if (run.status() != QSettings::NoError) {
        return Error{kErrorCode,
                     QStringLiteral("cannot read %1 (%2)").arg(kRunKey, statusText(run.status()))};
    }
    return !run.value(valueName()).toString().isEmpty();
}

Result<void> Autostart::setEnabled(bool enabled) const
{
    QSettings run(kRunKey, QSettings::NativeFormat);
    if (enabled) {
        if (!QDir::isAbsolutePath(m_executable)) {
            return Error{kErrorCode, QStringLiteral("the program to start at login must be an absolute path, not '%1'")
                                         .arg(m_executable)};
        }
        if (m_executable.contains(u'\n') || m_executable.contains(u'\r')) {
            return Error{kErrorCode, QStringLiteral("the path of the keyward program holds a line break: move the "
                                                    "program to a plain path")};
        }
        // The Run value is a command line: the path is quoted, as it usually holds spaces.
        const QString command = u'"' + QDir::toNativeSeparators(m_executable) + u'"';
        run.setValue(valueName(), command);
    } else {
        run.remove(valueName());
    }
    run.sync();
    if (run.status() != QSettings::NoError) {
        return Error{kErrorCode, QStringLiteral("cannot write %1 (%2): check the registry permissions of the key")
                                     .arg(location(), statusText(run.status()))};
    }
    return {};
}

} // namespace keyward
