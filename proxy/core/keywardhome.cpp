#include "core/keywardhome.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace keyward {

namespace {

QString canonicalAbsolute(const QString &dir)
{
    const QString absolute = QDir(dir).absolutePath();
    const QString canonical = QFileInfo(absolute).canonicalFilePath();
    // A home that does not exist yet has no canonical path; its cleaned absolute path is what it
    // will canonically be once created (unless a parent is a symlink, which we resolve below).
    if (!canonical.isEmpty())
        return canonical;
    const QFileInfo info(absolute);
    const QString parent = QFileInfo(info.absolutePath()).canonicalFilePath();
    return parent.isEmpty() ? QDir::cleanPath(absolute) : QDir(parent).filePath(info.fileName());
}

} // namespace

KeywardHome KeywardHome::fromEnvironment()
{
    const QString env = qEnvironmentVariable("KEYWARD_HOME");
    if (!env.isEmpty())
        return atDirectory(env);

    KeywardHome home;
    home.m_configDir = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
    home.m_dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QString runtime = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (runtime.isEmpty())
        runtime = home.m_dataDir;
    home.m_runDir = QDir(runtime).filePath(QStringLiteral("keyward"));
    home.m_keychainService = QStringLiteral("keyward");
    return home;
}

KeywardHome KeywardHome::atDirectory(const QString &dir)
{
    KeywardHome home;
    home.m_home = canonicalAbsolute(dir);
    home.m_configDir = home.m_home;
    home.m_dataDir = home.m_home;
    home.m_runDir = QDir(home.m_home).filePath(QStringLiteral("run"));
    const QByteArray digest = QCryptographicHash::hash(home.m_home.toUtf8(), QCryptographicHash::Sha256);
    home.m_keychainService = QStringLiteral("keyward-") + QString::fromLatin1(digest.toHex().left(8));
    return home;
}

QString KeywardHome::configFile() const { return QDir(m_configDir).filePath(QStringLiteral("config.json")); }
QString KeywardHome::stateFile() const { return QDir(m_configDir).filePath(QStringLiteral("state.json")); }
QString KeywardHome::auditDatabase() const { return QDir(m_dataDir).filePath(QStringLiteral("audit.db")); }
QString KeywardHome::logFile() const { return QDir(m_dataDir).filePath(QStringLiteral("keyward.log")); }

} // namespace keyward
