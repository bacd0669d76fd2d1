#include "config/configstore.h"

#include "config/configjson.h"
#include "core/logging.h"

#include <QFile>
#include <QFileInfo>

namespace keyward {

namespace {

// The file's bytes; nullopt when it does not exist. A file that exists but cannot be read gives
// an error.
Result<std::optional<QByteArray>> readIfExists(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return std::optional<QByteArray>();
    if (!file.open(QIODevice::ReadOnly)) {
        return Error{QString::fromLatin1(config_errors::kIo),
                     QStringLiteral("%1: cannot be read (%2); check its owner and permissions").arg(path, file.errorString())};
    }
    return std::optional<QByteArray>(file.readAll());
}

} // namespace

ConfigStore::ConfigStore(const QString &path, QObject *parent) : QObject(parent), m_path(path)
{
    m_settle.setSingleShot(true);
    m_settle.setInterval(kSettleMs);
    connect(&m_settle, &QTimer::timeout, this, &ConfigStore::reload);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, &m_settle, qOverload<>(&QTimer::start));
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, &m_settle, qOverload<>(&QTimer::start));
}

Result<void> ConfigStore::load()
{
    watch();
    const auto bytes = readIfExists(m_path);
    if (!bytes) {
        m_error = bytes.error();
        m_lastSeen.reset();
        return bytes.error();
    }
    m_lastSeen = *bytes;
    if (!bytes->has_value()) {
        m_config = Config{};
        m_error.reset();
        return {};
    }
    auto parsed = parseConfig(**bytes);
    if (!parsed) {
        m_error = Error{parsed.error().code, m_path + QStringLiteral(": ") + parsed.error().message};
        return *m_error;
    }
    m_config = std::move(parsed).value();
    m_error.reset();
    return {};
}

Result<void> ConfigStore::save(const Config &config)
{
    if (auto saved = saveConfigFile(m_path, config); !saved)
        return saved;
    const QByteArray bytes = serializeConfig(config);
    m_lastSeen = bytes;
    // What a reload would produce (setHeaders sorted), so a later reload compares equal.
    auto canonical = parseConfig(bytes);
    m_config = canonical ? std::move(canonical).value() : config;
    m_error.reset();
    watch();
    return {};
}

void ConfigStore::watch()
{
    // An atomic replace gives the path a new inode, which drops it from the watcher: re-add it.
    if (QFileInfo::exists(m_path) && !m_watcher.files().contains(m_path))
        m_watcher.addPath(m_path);
    const QString dir = QFileInfo(m_path).absolutePath();
    if (QFileInfo::exists(dir) && !m_watcher.directories().contains(dir))
        m_watcher.addPath(dir);
}

void ConfigStore::reload()
{
    const auto log = logger("core.config");
    watch();
    const auto bytes = readIfExists(m_path);
    if (!bytes) {
        if (m_error && m_error->message == bytes.error().message)
            return;
        m_error = bytes.error();
        m_lastSeen.reset();
        log->warn("{}", m_error->message.toStdString());
        Q_EMIT invalid(*m_error);
        return;
    }
    if (m_lastSeen == *bytes)
        return;
    m_lastSeen = *bytes;
    if (!bytes->has_value()) {
        m_error = Error{QString::fromLatin1(config_errors::kIo),
                        m_path + QStringLiteral(": was removed; the last good config stays in force until the file is back")};
        log->warn("{}", m_error->message.toStdString());
        Q_EMIT invalid(*m_error);
        return;
    }
    auto parsed = parseConfig(**bytes);
    if (!parsed) {
        m_error = Error{parsed.error().code, m_path + QStringLiteral(": ") + parsed.error().message +
                                                 QStringLiteral(" (the last good config stays in force)")};
        log->warn("{}", m_error->message.toStdString());
        Q_EMIT invalid(*m_error);
        return;
    }
    m_error.reset();
    if (parsed.value() == m_config)
        return;
    m_config = std::move(parsed).value();
    log->info("reloaded {} after a change on disk", m_path.toStdString());
    Q_EMIT changed(m_config);
}

} // namespace keyward
