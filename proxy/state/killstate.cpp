#include "state/killstate.h"

#include "core/logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace keyward {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("core.state");
    return logger;
}

// The bytes of `path`; nullopt when it does not exist; an error when it cannot be read.
Result<std::optional<QByteArray>> readBytes(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return std::optional<QByteArray>();
    if (!file.open(QIODevice::ReadOnly)) {
        return Error{QString::fromLatin1(state_errors::kIo),
                     QStringLiteral("%1: cannot be read (%2); check its owner and permissions").arg(path, file.errorString())};
    }
    return std::optional<QByteArray>(file.readAll());
}

} // namespace

KillState::KillState(const QString &path, QObject *parent) : QObject(parent), m_path(path)
{
    m_settle.setSingleShot(true);
    m_settle.setInterval(kSettleMs);
    connect(&m_settle, &QTimer::timeout, this, &KillState::reload);
    // Started by the first change only (not restarted by later ones): a burst of unrelated changes
    // in the directory never delays a kill by more than kSettleMs. Writers replace the file
    // atomically, so a read at any moment sees a whole file.
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &KillState::scheduleReload);
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, &KillState::scheduleReload);
}

void KillState::scheduleReload()
{
    if (!m_settle.isActive())
        m_settle.start();
}

Result<void> KillState::load()
{
    const QString dir = QFileInfo(m_path).absolutePath();
    if (!QFileInfo::exists(dir) && QDir().mkpath(dir))
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    watch();
    const auto bytes = readBytes(m_path);
    if (!bytes) {
        m_error = bytes.error();
        m_lastSeen.reset();
        m_lastSeenValid = false;
        log()->error("{}", m_error->message.toStdString());
        return *m_error;
    }
    m_lastSeen = *bytes;
    m_lastSeenValid = true;
    if (!bytes->has_value()) {
        m_switches = KillSwitches{};
        m_hasState = true;
        m_error.reset();
        return {};
    }
    auto parsed = parseStateFile(**bytes, m_path);
    if (!parsed) {
        m_error = parsed.error();
        log()->error("{}{}", m_error->message.toStdString(),
                     m_hasState ? " (the last good kill switches stay in force)" : " (every call is refused until it is fixed)");
        return *m_error;
    }
    m_switches = parsed->kill;
    m_hasState = true;
    m_error.reset();
    return {};
}

void KillState::watch()
{
    // An atomic replace gives the path a new inode, which drops it from the watcher: re-add it.
    if (QFileInfo::exists(m_path) && !m_watcher.files().contains(m_path))
        m_watcher.addPath(m_path);
    const QString dir = QFileInfo(m_path).absolutePath();
    if (QFileInfo::exists(dir) && !m_watcher.directories().contains(dir))
        m_watcher.addPath(dir);
}

void KillState::reload()
{
    m_settle.stop();
    watch();
    const auto bytes = readBytes(m_path);
    if (!bytes) {
        if (m_error && m_error->message == bytes.error().message)
            return;
        m_error = bytes.error();
        m_lastSeen.reset();
        m_lastSeenValid = false;
        log()->error("{}", m_error->message.toStdString());
        Q_EMIT invalid(*m_error);
        return;
    }
    if (m_lastSeenValid && m_lastSeen == *bytes)
        return;
    m_lastSeen = *bytes;
    m_lastSeenValid = true;

    KillSwitches next;
    if (bytes->has_value()) {
        auto parsed = parseStateFile(**bytes, m_path);
        if (!parsed) {
            m_error = parsed.error();
            log()->error("{}{}", m_error->message.toStdString(),
                         m_hasState ? " (the last good kill switches stay in force)"
                                    : " (every call is refused until it is fixed)");
            Q_EMIT invalid(*m_error);
            return;
        }
        next = parsed->kill;
    }
    m_error.reset();
    const bool becameKnown = !m_hasState;
    m_hasState = true;
    if (!becameKnown && next == m_switches)
        return;
    m_switches = std::move(next);
    log()->info("kill switches changed on disk; now killed: {}", m_switches.describe().toStdString());
    Q_EMIT changed(m_switches);
}

bool KillState::killed(const QString &service, const QString &agent, QString *rule) const
{
    const auto refusal = refusalFor(service, agent);
    if (refusal && rule)
        *rule = refusal->rule;
    return refusal.has_value();
}

std::optional<KillRefusal> KillState::refusalFor(const QString &service, const QString &agent) const
{
    if (!m_hasState) {
        return KillRefusal{QString::fromLatin1(kUnreadableRule),
                           QStringLiteral("Keyward cannot read its kill switches, so it refuses every call until the "
                                          "user fixes %1 (%2)")
                               .arg(m_path, m_error ? m_error->message : QStringLiteral("unknown error"))};
    }
    return m_switches.refusalFor(service, agent);
}

Result<KillChange> KillState::apply(KillAction action, const KillTarget &target)
{
    auto change = changeKillSwitches(m_path, action, target);
    if (!change)
        return change.error();
    const bool becameKnown = !m_hasState;
    m_hasState = true;
    m_error.reset();
    // The file is re-examined when the watcher reports the write; it then matches what is in force.
    m_lastSeenValid = false;
    watch();
    if (becameKnown || !(change->after == m_switches)) {
        m_switches = change->after;
        Q_EMIT changed(m_switches);
    }
    return change;
}

Result<KillChange> KillState::kill(const KillTarget &target) { return apply(KillAction::Kill, target); }

Result<KillChange> KillState::resume(const KillTarget &target) { return apply(KillAction::Resume, target); }

Result<KillChange> KillState::resumeEverything() { return apply(KillAction::ResumeEverything, {}); }

} // namespace keyward
