#include "secrets/secretcache.h"

#include <QMetaObject>

#include <sodium.h>

namespace keyward {

namespace {
qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }
} // namespace

SecretCache::SecretCache(SecretStore &store, int idleTimeoutMs, QObject *parent)
    : QObject(parent), m_store(store), m_idleTimeoutMs(idleTimeoutMs)
{
    if (sodium_init() < 0)
        qFatal("libsodium could not be initialized");
    m_sweeper.setInterval(qMax(1000, qMin(60000, idleTimeoutMs / 4)));
    connect(&m_sweeper, &QTimer::timeout, this, &SecretCache::sweep);
    m_sweeper.start();
}

SecretCache::~SecretCache()
{
    dropAll();
}

void SecretCache::wipe(QByteArray &secret)
{
    if (!secret.isEmpty()) {
        // Zero the shared buffer in place (not a detached copy) and release the lock on it.
        char *bytes = const_cast<char *>(secret.constData());
        sodium_munlock(bytes, size_t(secret.size()));
    }
    secret.clear();
}

void SecretCache::read(const QString &key, SecretStore::ReadCallback done)
{
    if (auto found = m_entries.find(key); found != m_entries.end()) {
        found->second.lastUsedMs = nowMs();
        QMetaObject::invokeMethod(
            this, [done = std::move(done), secret = found->second.secret] { done(secret); }, Qt::QueuedConnection);
        return;
    }
    auto &waiting = m_waiting[key];
    waiting.push_back(std::move(done));
    if (waiting.size() > 1)
        return;

    const quint64 generation = m_generation[key];
    m_store.read(key, [this, key, generation](Result<QByteArray> result) {
        auto callbacks = std::move(m_waiting[key]);
        m_waiting.erase(key);
        if (result.ok() && m_generation[key] == generation) {
            Entry entry{result.value(), nowMs()};
            entry.secret.detach();
            sodium_mlock(entry.secret.data(), size_t(entry.secret.size()));
            m_entries[key] = std::move(entry);
        }
        for (auto &callback : callbacks)
            callback(result);
    });
}

void SecretCache::drop(const QString &key)
{
    ++m_generation[key];
    if (auto found = m_entries.find(key); found != m_entries.end()) {
        wipe(found->second.secret);
        m_entries.erase(found);
    }
}

void SecretCache::dropAll()
{
    for (auto &[key, entry] : m_entries) {
        ++m_generation[key];
        wipe(entry.secret);
    }
    for (auto &[key, callbacks] : m_waiting)
        ++m_generation[key];
    m_entries.clear();
}

void SecretCache::sweep()
{
    const qint64 cutoff = nowMs() - m_idleTimeoutMs;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (it->second.lastUsedMs < cutoff) {
            wipe(it->second.secret);
            it = m_entries.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace keyward
